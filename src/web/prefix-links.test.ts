import { describe, expect, it } from 'vitest';
import { h } from 'preact';
import { render } from 'preact-render-to-string';
import { prefixLinks } from './prefix-links.js';

describe('prefixLinks', () => {
  it('prefixes every root-relative href, action, formaction and src', () => {
    const html = render(
      h('div', null, [
        h('a', { href: '/account' }, 'a'),
        h('form', { method: 'post', action: '/logout' }, h('button', { formaction: '/account/tokens/1/revoke' }, 'x')),
        h('script', { type: 'module', src: '/static/app.js' }),
        h('link', { rel: 'stylesheet', href: '/static/app.css' }),
        h('a', { href: '/auth/connect/x' }, 'a route that starts with the prefix'),
        h('a', { href: '/authorize' }, 'a route that starts alike'),
        h('a', { href: '/' }, 'home'),
      ]),
    );
    const out = prefixLinks(html, '/auth');
    expect(out).toContain('href="/auth/account"');
    expect(out).toContain('action="/auth/logout"');
    expect(out).toContain('formaction="/auth/account/tokens/1/revoke"');
    expect(out).toContain('src="/auth/static/app.js"');
    expect(out).toContain('href="/auth/static/app.css"');
    expect(out).toContain('href="/auth/auth/connect/x"'); // routes name paths as at the root: no guessing
    expect(out).toContain('href="/auth/authorize"');
    expect(out).toContain('href="/auth/"');
    expect(out.match(/="\/auth/g)).toHaveLength(8);
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
