/* Shared helpers of the demo pages: JSON calls, the navigation bar, small DOM helpers. */
(function () {
  'use strict';

  // Where the module's routes are (its routes option): the server writes them into each page.
  var routes = (function () {
    var meta = document.querySelector('meta[name="auth-consent-routes"]');
    try {
      return JSON.parse(meta.getAttribute('content'));
    } catch {
      return {};
    }
  })();

  // The page's texts in its language (the server writes them: src/demo/demo-page.texts.ts).
  var texts = (function () {
    var meta = document.querySelector('meta[name="demo-texts"]');
    try {
      return JSON.parse(meta.getAttribute('content'));
    } catch {
      return {};
    }
  })();

  /** A text of the page's language with its {name} parts filled in. */
  function t(key, values) {
    var text = texts[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split('{' + name + '}').join(values[name]);
    });
    return text;
  }

  /** A module path as the demo writes it (/auth/me, /admin/users, /consent/history) at its configured place. */
  function url(path) {
    var m = /^\/(auth|consent|admin|health)(?=[/?]|$)/.exec(path);
    if (!m || (m[1] === 'admin' && path === '/admin')) return path;
    var base = routes[m[1]];
    return typeof base === 'string' ? base + path.slice(m[0].length) : path;
  }

  function api(method, path, body) {
    return fetch(url(path), {
      method: method,
      credentials: 'same-origin',
      headers: body
        ? { 'Content-Type': 'application/json', Accept: 'application/json' }
        : { Accept: 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      if (res.status === 204 || res.status === 304) return { status: res.status, body: null, headers: res.headers };
      return res.json().then(
        function (json) {
          return { status: res.status, body: json, headers: res.headers };
        },
        function () {
          return { status: res.status, body: null, headers: res.headers };
        },
      );
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k.indexOf('on') === 0) node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function table(headers, rows) {
    return el('table', {}, [
      el('thead', {}, [
        el(
          'tr',
          {},
          headers.map(function (h) {
            return el('th', { scope: 'col', text: h });
          }),
        ),
      ]),
      el(
        'tbody',
        {},
        rows.map(function (cells) {
          return el(
            'tr',
            {},
            cells.map(function (c) {
              return el('td', {}, [c]);
            }),
          );
        }),
      ),
    ]);
  }

  function when(value) {
    return value ? new Date(value).toLocaleString(document.documentElement.lang || undefined) : '';
  }

  function say(node, message, ok) {
    node.textContent = message;
    node.className = 'status ' + (ok ? 'ok' : 'bad');
  }

  function errorText(res) {
    return (
      (res.body && res.body.message ? [].concat(res.body.message).join('; ') : 'HTTP ' + res.status) +
      ' (' +
      res.status +
      ')'
    );
  }

  function nav() {
    return api('GET', '/auth/me').then(function (res) {
      var me = res.status === 200 && res.body ? res.body.user : null;
      var links = [
        el('a', { href: '/', text: t('navHome') }),
        me ? el('a', { href: '/account', text: t('navAccount') }) : el('a', { href: '/login', text: t('navSignIn') }),
        me && me.roles.indexOf('admin') >= 0 ? el('a', { href: '/admin', text: t('navAdmin') }) : null,
        el('a', { href: '#', 'data-consent-settings': '', text: t('navCookieSettings') }),
        el('span', { class: 'who', text: me ? t('signedInAs', { name: me.username }) : t('notSignedIn') }),
      ];
      var bar = document.querySelector('nav');
      bar.textContent = '';
      links.forEach(function (l) {
        if (l) bar.appendChild(l);
      });
      return me;
    });
  }

  window.Demo = {
    t: t,
    api: api,
    url: url,
    el: el,
    table: table,
    when: when,
    say: say,
    errorText: errorText,
    nav: nav,
  };
})();
