/*
 * nestjs-auth-consent cookie banner. Include it on any page:
 *   <script src="/consent/banner.js" defer></script>
 * Optional attributes on the script tag: data-api (default: where the module mounts its consent routes,
 * "/consent" unless the routes option moves them), data-policy-url, data-lang (the language to show, before
 * the page's <html lang> and the browser's languages).
 * Every string it shows comes from GET /consent/config (ui, categories) in the language the server chose.
 * Any element with a data-consent-settings attribute reopens the preferences.
 * API: window.AuthConsent.{open(), state, onChange(fn)}; a "consent:change" event fires on document.
 * The server is the authority: this script only shows the banner when GET /consent says needsConsent,
 * and never sets a cookie itself.
 */
(function () {
  'use strict';
  if (window.AuthConsent) return;

  var script = document.currentScript;
  // The server writes the consent routes' path (option routes.consent) into this default when it serves the script.
  var api = (script && script.getAttribute('data-api')) || '/consent';
  var policyUrl = script && script.getAttribute('data-policy-url');
  var config = null;
  var state = null;
  var listeners = [];
  var banner = null;
  var choices = null;
  var dialog = null;
  var lastFocus = null;

  var CSS =
    '.acb-banner{position:fixed;left:0;right:0;bottom:0;z-index:2147483000;background:#fff;color:#1a1a1a;' +
    'border-top:2px solid #1a1a1a;padding:1rem 1.25rem;font:16px/1.5 system-ui,sans-serif;box-shadow:0 -2px 12px rgba(0,0,0,.15)}' +
    '.acb-banner p{margin:0 0 .75rem;max-width:60rem}.acb-actions{display:flex;flex-wrap:wrap;gap:.75rem}' +
    '.acb-btn{font:inherit;min-width:10rem;padding:.6rem 1rem;border:2px solid #1a1a1a;border-radius:.25rem;' +
    'background:#1a1a1a;color:#fff;cursor:pointer}.acb-btn:hover{background:#333}' +
    '.acb-btn:focus-visible,.acb-dialog input:focus-visible,.acb-link:focus-visible{outline:3px solid #0050b3;outline-offset:2px}' +
    '.acb-backdrop{position:fixed;inset:0;z-index:2147483001;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center}' +
    '.acb-dialog{background:#fff;color:#1a1a1a;max-width:40rem;width:calc(100% - 2rem);max-height:calc(100% - 2rem);overflow:auto;' +
    'padding:1.25rem;border-radius:.5rem;font:16px/1.5 system-ui,sans-serif}.acb-dialog h2{margin-top:0;font-size:1.35rem}' +
    '.acb-cat{border-top:1px solid #767676;padding:.75rem 0}.acb-cat label{font-weight:600;display:flex;gap:.5rem;align-items:center}' +
    '.acb-cat input{width:1.25rem;height:1.25rem}.acb-cat p{margin:.25rem 0}.acb-cookies{font-size:.9rem;border-collapse:collapse;width:100%}' +
    '.acb-cookies th,.acb-cookies td{text-align:left;padding:.15rem .5rem .15rem 0;vertical-align:top}' +
    '.acb-link{color:#0050b3;text-decoration:underline;background:none;border:0;font:inherit;cursor:pointer;padding:0}' +
    '.acb-status{margin:.5rem 0 0;font-size:.9rem}' +
    '.acb-choices{position:fixed;left:1rem;bottom:1rem;z-index:2147483000;background:#fff;border:2px solid #1a1a1a;' +
    'border-radius:.25rem;padding:.4rem .75rem;font:16px/1.5 system-ui,sans-serif}' +
    '.acb-gpc{margin:.5rem 0;padding:.5rem .75rem;border-left:4px solid #0050b3;background:#eef4fb;color:#1a1a1a}';

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k.indexOf('on') === 0) node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c) node.appendChild(c);
    });
    return node;
  }

  var TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/;

  // The language order: the app's data-lang, the page's <html lang>, the browser's languages; the server
  // takes the first it has texts in, else English. Without data-lang or lang the browser's own header stands.
  function withLanguage(headers) {
    var tags = [];
    function add(tag) {
      if (tag && TAG.test(tag) && tag.length <= 35 && tags.indexOf(tag) < 0 && tags.length < 10) tags.push(tag);
    }
    add(script && script.getAttribute('data-lang'));
    add(document.documentElement.lang);
    if (!tags.length) return headers;
    (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]).forEach(add);
    headers['Accept-Language'] = tags
      .map(function (tag, i) {
        return i === 0 ? tag : tag + ';q=' + ((10 - i) / 10).toFixed(1);
      })
      .join(', ');
    return headers;
  }

  // A built-in string of the language shown, with {categories} / {category} filled in.
  function t(key, values) {
    var text = (config && config.ui && config.ui[key]) || '';
    Object.keys(values || {}).forEach(function (name) {
      text = text.split('{' + name + '}').join(values[name]);
    });
    return text;
  }

  function request(method, path, body) {
    return fetch(api + path, {
      method: method,
      credentials: 'same-origin',
      headers: withLanguage(
        body ? { 'Content-Type': 'application/json', Accept: 'application/json' } : { Accept: 'application/json' },
      ),
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw new Error(json && json.message ? String(json.message) : 'HTTP ' + res.status);
        return json;
      });
    });
  }

  function pushConsentMode(mode) {
    if (!mode) return;
    if (typeof window.gtag === 'function') {
      window.gtag('consent', 'update', mode);
    } else if (Array.isArray(window.dataLayer)) {
      // What gtag() itself pushes: an Arguments object, which Google Tag Manager recognises.
      (function () {
        window.dataLayer.push(arguments);
      })('consent', 'update', mode);
    }
  }

  function setState(next) {
    state = next;
    window.AuthConsent.state = next;
    pushConsentMode(next.consentMode);
    listeners.forEach(function (fn) {
      try {
        fn(next);
      } catch {
        /* a listener's failure must not break the banner */
      }
    });
    document.dispatchEvent(new CustomEvent('consent:change', { detail: next }));
  }

  // The language the visitor read the banner in, recorded with the decision: the one the server answered in.
  function locale() {
    var tag = (config && config.language) || '';
    return TAG.test(tag) && tag.length <= 35 ? tag : undefined;
  }

  function decide(body, source) {
    body.policyVersion = config.policyVersion;
    // The exact texts shown: the server answers 409 when they changed since GET /consent/config.
    if (config.textHash) body.textHash = config.textHash;
    body.source = source;
    var tag = locale();
    if (tag) body.locale = tag;
    return request('PUT', '', body).then(function (next) {
      setState(next);
      closeDialog(false);
      hideBanner();
      return next;
    }, showError);
  }

  function withdraw() {
    return request('DELETE', '').then(function (next) {
      setState(next);
      closeDialog(false);
      hideBanner();
      return next;
    }, showError);
  }

  function showError(err) {
    var where = (dialog && dialog.querySelector('.acb-status')) || (banner && banner.querySelector('.acb-status'));
    if (where) where.textContent = t('saveError');
    if (window.console && err) window.console.warn('consent:', err.message);
  }

  function button(label, onclick, id) {
    return el('button', { type: 'button', class: 'acb-btn', 'data-acb': id, onclick: onclick, text: label });
  }

  // The names of the sale/sharing categories that the browser's GPC signal refuses.
  function gpcCategories() {
    return (config && config.categories ? config.categories : []).filter(function (c) {
      return c.gpcOptOut;
    });
  }

  function names(list) {
    return list
      .map(function (c) {
        return c.name;
      })
      .join(', ');
  }

  // Shown in the banner and the dialog while the browser sends Sec-GPC: 1 (CPRA regulations §7025).
  function gpcNotice(id) {
    if (!state || !state.gpc || !gpcCategories().length) return null;
    return el('p', {
      class: 'acb-gpc',
      id: id,
      'data-acb': 'gpc-notice',
      text: t('gpcNotice', { categories: names(gpcCategories()) }),
    });
  }

  function showBanner() {
    if (banner) return;
    var optional = config.categories.filter(function (c) {
      return !c.required;
    });
    var text = el('p', { id: 'acb-banner-text' }, [
      document.createTextNode(t('bannerText', { categories: names(optional) })),
    ]);
    var href = policyUrl || config.policyUrl;
    if (href) {
      text.appendChild(document.createTextNode(' '));
      text.appendChild(el('a', { href: href, text: t('policyLink') }));
    }
    // The three choices are the same element, size and style, one click each (no nudging).
    var notice = gpcNotice('acb-banner-gpc');
    // lang: the language shown, which may differ from the page's when the server has no texts in that one.
    banner = el(
      'section',
      {
        class: 'acb-banner',
        role: 'region',
        lang: config.language,
        'aria-label': t('bannerLabel'),
        'aria-describedby': notice ? 'acb-banner-text acb-banner-gpc' : 'acb-banner-text',
      },
      [
        text,
        notice,
        el('div', { class: 'acb-actions' }, [
          button(
            t('acceptAll'),
            function () {
              decide({ choice: 'accept-all' }, 'banner');
            },
            'accept-all',
          ),
          button(
            t('rejectAll'),
            function () {
              decide({ choice: 'reject-all' }, 'banner');
            },
            'reject-all',
          ),
          button(
            t('customise'),
            function () {
              openDialog();
            },
            'customise',
          ),
        ]),
        el('p', { class: 'acb-status', role: 'status', 'aria-live': 'polite' }),
      ],
    );
    document.body.appendChild(banner);
  }

  function hideBanner() {
    if (banner) banner.remove();
    banner = null;
  }

  // Opt-out rules (GET /consent says ruleSet "opt-out"): no blocking banner, a link to the choices instead.
  function showChoices() {
    if (choices) return;
    choices = el('aside', { class: 'acb-choices', lang: config.language, 'aria-label': t('choicesLabel') }, [
      el('button', {
        type: 'button',
        class: 'acb-link',
        'data-acb': 'choices',
        text: t('choicesLink'),
        onclick: function () {
          openDialog();
        },
      }),
    ]);
    document.body.appendChild(choices);
  }

  function hideChoices() {
    if (choices) choices.remove();
    choices = null;
  }

  function categoryBlock(cat) {
    var id = 'acb-cat-' + cat.key;
    var granted = cat.required || !!(state && state.decisions && state.decisions[cat.key] && !state.needsConsent);
    var input = el('input', { type: 'checkbox', id: id, name: cat.key, 'aria-describedby': id + '-desc' });
    input.checked = granted;
    if (cat.required) input.disabled = true;
    var rows = (cat.cookies || []).map(function (c) {
      return el('tr', {}, [
        el('td', { text: c.name }),
        el('td', { text: c.purpose || '' }),
        el('td', { text: c.duration || '' }),
        el('td', { text: c.provider || '' }),
      ]);
    });
    var table = rows.length
      ? el('table', { class: 'acb-cookies' }, [
          el('caption', { text: t('cookiesIn', { category: cat.name }), style: 'text-align:left;font-weight:600' }),
          el('thead', {}, [
            el('tr', {}, [
              el('th', { scope: 'col', text: t('cookieColumn') }),
              el('th', { scope: 'col', text: t('purposeColumn') }),
              el('th', { scope: 'col', text: t('durationColumn') }),
              el('th', { scope: 'col', text: t('providerColumn') }),
            ]),
          ]),
          el('tbody', {}, rows),
        ])
      : null;
    // The conflict notice comes before the choice: granting this category overrides the browser's signal.
    var conflict =
      cat.gpcOptOut && state && state.gpc
        ? el('p', {
            class: 'acb-gpc',
            id: id + '-gpc',
            'data-acb': 'gpc-conflict',
            text: t('gpcConflict', { category: cat.name }),
          })
        : null;
    if (conflict) input.setAttribute('aria-describedby', id + '-gpc ' + id + '-desc');
    return el('div', { class: 'acb-cat' }, [
      conflict,
      el('label', { for: id }, [input, document.createTextNode(cat.name + (cat.required ? ' ' + t('alwaysOn') : ''))]),
      el('p', { id: id + '-desc', text: cat.description || '' }),
      table,
    ]);
  }

  function focusables(root) {
    return Array.prototype.filter.call(
      root.querySelectorAll('button, [href], input:not([disabled]), [tabindex]:not([tabindex="-1"])'),
      function (n) {
        return n.offsetParent !== null || n === document.activeElement;
      },
    );
  }

  function onKeydown(e) {
    if (!dialog) return;
    if (e.key === 'Escape') {
      // Esc closes the preferences without consenting to anything.
      e.preventDefault();
      closeDialog(true);
      return;
    }
    if (e.key !== 'Tab') return;
    var nodes = focusables(dialog);
    if (!nodes.length) return;
    var first = nodes[0];
    var last = nodes[nodes.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    } else if (!dialog.contains(document.activeElement)) {
      e.preventDefault();
      first.focus();
    }
  }

  function openDialog() {
    if (!config) return;
    if (dialog) return;
    lastFocus = document.activeElement;
    var decided =
      state &&
      !state.needsConsent &&
      Object.keys(state.decisions || {}).some(function (k) {
        return (
          state.decisions[k] &&
          !config.categories.some(function (c) {
            return c.key === k && c.required;
          })
        );
      });
    var panel = el(
      'div',
      {
        class: 'acb-dialog',
        role: 'dialog',
        'aria-modal': 'true',
        'aria-labelledby': 'acb-title',
        'aria-describedby': 'acb-intro',
      },
      [
        el('h2', { id: 'acb-title', text: t('dialogTitle') }),
        el('p', { id: 'acb-intro', text: t('dialogIntro') }),
        gpcNotice('acb-dialog-gpc'),
      ],
    );
    config.categories.forEach(function (cat) {
      panel.appendChild(categoryBlock(cat));
    });
    panel.appendChild(
      el('div', { class: 'acb-actions' }, [
        button(
          t('save'),
          function () {
            var decisions = {};
            var override = false;
            config.categories.forEach(function (cat) {
              decisions[cat.key] = cat.required ? true : panel.querySelector('#acb-cat-' + cat.key).checked;
              // Checked next to the conflict notice: the person saw it and chose to override the signal.
              if (cat.gpcOptOut && decisions[cat.key] && panel.querySelector('#acb-cat-' + cat.key + '-gpc'))
                override = true;
            });
            var body = { decisions: decisions };
            if (override) body.gpcOverride = true;
            decide(body, 'settings');
          },
          'save',
        ),
        button(
          t('acceptAll'),
          function () {
            decide({ choice: 'accept-all' }, 'settings');
          },
          'dialog-accept-all',
        ),
        button(
          t('rejectAll'),
          function () {
            decide({ choice: 'reject-all' }, 'settings');
          },
          'dialog-reject-all',
        ),
        decided ? button(t('withdraw'), withdraw, 'withdraw') : null,
        button(
          t('close'),
          function () {
            closeDialog(true);
          },
          'close',
        ),
      ]),
    );
    panel.appendChild(el('p', { class: 'acb-status', role: 'status', 'aria-live': 'polite' }));
    dialog = el('div', { class: 'acb-backdrop', lang: config.language }, [panel]);
    document.body.appendChild(dialog);
    document.addEventListener('keydown', onKeydown, true);
    var first = panel.querySelector('input:not([disabled])') || panel.querySelector('button');
    if (first) first.focus();
  }

  function closeDialog(restoreFocus) {
    if (!dialog) return;
    dialog.remove();
    dialog = null;
    document.removeEventListener('keydown', onKeydown, true);
    if (restoreFocus) {
      var target = (banner && banner.querySelector('[data-acb="customise"]')) || lastFocus;
      if (target && target.focus) target.focus();
    }
  }

  window.AuthConsent = {
    state: null,
    open: openDialog,
    onChange: function (fn) {
      listeners.push(fn);
      if (state) fn(state);
    },
    refresh: load,
  };

  document.addEventListener('click', function (e) {
    var t = e.target && e.target.closest ? e.target.closest('[data-consent-settings]') : null;
    if (t) {
      e.preventDefault();
      openDialog();
    }
  });

  function load() {
    return Promise.all([request('GET', '/config'), request('GET', '')]).then(function (res) {
      config = res[0];
      setState(res[1]);
      if (res[1].needsConsent) showBanner();
      else hideBanner();
      if (res[1].ruleSet === 'opt-out') showChoices();
      else hideChoices();
    });
  }

  function start() {
    var style = el('style', { text: CSS });
    document.head.appendChild(style);
    load().catch(function () {
      /* consent service unreachable: show nothing; the server gate still blocks non-essential cookies */
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
