(function () {
  'use strict';
  var D = window.Demo;
  D.nav();

  function demoCookies() {
    return document.cookie
      .split(';')
      .map(function (c) {
        return c.trim().split('=')[0];
      })
      .filter(function (n) {
        return n.indexOf('demo_') === 0;
      });
  }

  function render(state) {
    D.api('GET', '/consent/config').then(function (res) {
      if (res.status !== 200) return;
      var body = document.getElementById('state');
      body.textContent = '';
      res.body.categories.forEach(function (cat) {
        var granted = cat.required || (!state.needsConsent && !!state.decisions[cat.key]);
        var cookies = cat.cookies
          .map(function (c) {
            return c.name;
          })
          .join(', ');
        body.appendChild(
          D.el('tr', {}, [
            D.el('td', { text: cat.name }),
            D.el('td', {
              class: granted ? 'granted' : 'refused',
              'data-category': cat.key,
              text: granted ? D.t('granted') : state.needsConsent ? D.t('undecided') : D.t('refused'),
            }),
            D.el('td', {
              text: cat.required ? D.t('necessaryUse') : D.t('mayUse', { cookies: cookies || D.t('noCookie') }),
            }),
          ]),
        );
      });
      var note = document.getElementById('state-note');
      // "Honoured" only when every sale/sharing category is really off (the server says so), never on the signal alone.
      var gpc = state.gpcHonoured
        ? D.t('gpcHonoured')
        : state.gpcOverride && state.gpcOverride.length
          ? D.t('gpcOverride', { categories: state.gpcOverride.join(', ') })
          : '';
      var region = state.region ? ' (' + state.region + ')' : '';
      note.textContent = state.needsConsent
        ? D.t('noteUndecided') + (state.gpcHonoured ? ' ' + D.t('noteGpcHonoured') : '')
        : !state.decidedAt
          ? D.t('noteOptOut', { region: region, gpc: gpc })
          : D.t('noteDecided', { at: D.when(state.decidedAt), until: D.when(state.expiresAt), gpc: gpc });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (window.AuthConsent) window.AuthConsent.onChange(render);
    document.getElementById('track').addEventListener('click', function () {
      var out = document.getElementById('track-result');
      D.api('GET', '/demo/track').then(function (res) {
        var present = demoCookies();
        D.say(
          out,
          D.t('trackResult', { cookies: present.length ? present.join(', ') : D.t('none') }),
          res.status === 200,
        );
      });
    });
  });
})();
