import { describe, expect, it } from 'vitest';
import { h } from 'preact';
import { render } from 'preact-render-to-string';
import { prefixLinks } from './prefix-links.js';

describe('prefixLinks', () => {
  it('prefixes root-relative href, action, formaction and src once', () => {
    const html = render(
      h('div', null, [
        h('a', { href: '/account' }, 'a'),
        h('form', { method: 'post', action: '/logout' }, h('button', { formaction: '/account/tokens/1/revoke' }, 'x')),
        h('script', { type: 'module', src: '/static/app.js' }),
        h('link', { rel: 'stylesheet', href: '/static/app.css' }),
        h('a', { href: '/auth/oauth/authorize/page?x=1' }, 'already under it'),
        h('a', { href: '/auth' }, 'the root under it'),
        h('a', { href: '/authorize' }, 'another route that starts alike'),
      ]),
    );
    const out = prefixLinks(html, '/auth');
    expect(out).toContain('href="/auth/account"');
    expect(out).toContain('action="/auth/logout"');
    expect(out).toContain('formaction="/auth/account/tokens/1/revoke"');
    expect(out).toContain('src="/auth/static/app.js"');
    expect(out).toContain('href="/auth/static/app.css"');
    expect(out).toContain('href="/auth/oauth/authorize/page?x=1"');
    expect(out).toContain('href="/auth"');
    expect(out).toContain('href="/auth/authorize"');
    expect(out.match(/="\/auth/g)).toHaveLength(8);
    expect(prefixLinks(out, '/auth')).toBe(out); // once: a second pass changes nothing
  });

  it('leaves absolute, protocol-relative and relative URLs, other attributes and text alone', () => {
    const html = render(
      h('div', { 'data-return-to': '/account' }, [
        h('a', { href: 'https://example.com/x' }, 'abs'),
        h('a', { href: '//elsewhere.example/x' }, 'proto'),
        h('form', { action: 'approve' }),
        h('img', { src: 'data:image/png;base64,AAAA', alt: '' }),
        h('p', null, 'type href="/x" here'),
        h('input', { value: '/account', title: ' src="/y"' }),
      ]),
    );
    expect(prefixLinks(html, '/auth')).toBe(html);
  });

  it('changes nothing at the origin root', () => {
    const html = render(h('a', { href: '/account' }, 'a'));
    expect(prefixLinks(html, '')).toBe(html);
  });
});
