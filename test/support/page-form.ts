import type { TestApp } from './test-app.js';
import type { TestUser } from './test-user.js';

/** What a page form post led to: the POST's own answer and, after a redirect, the page it led to (as a browser would). */
export interface FormResult {
  /** Status of the POST itself (303 after a successful action). */
  status: number;
  location: string | null;
  /** Status and HTML of the page shown: the redirect's target, or the POST's own answer when it did not redirect. */
  pageStatus: number;
  html: string;
}

/**
 * Posts a page form as the signed-in user (with the CSRF field) and follows a 303 like a browser: with the session
 * cookie and any cookie the POST set (the one-time flash).
 */
export async function submitForm(
  app: Pick<TestApp, 'url'>,
  user: Pick<TestUser, 'cookie' | 'csrf'>,
  path: string,
  fields: Array<[string, string]> = [],
): Promise<FormResult> {
  const res = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams([['_csrf', user.csrf], ...fields]),
    redirect: 'manual',
  });
  const location = res.headers.get('location');
  if (res.status !== 303 || !location) return { status: res.status, location, pageStatus: res.status, html: await res.text() };
  await res.arrayBuffer();
  const set = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  const next = await fetch(new URL(location, app.url), {
    headers: { cookie: [user.cookie, ...set].join('; '), accept: 'text/html' },
    redirect: 'manual',
  });
  return { status: res.status, location, pageStatus: next.status, html: await next.text() };
}
