(function () {
  'use strict';
  var D = window.Demo;
  D.nav();

  function demoCookies() {
    return document.cookie
      .split(';')
      .map(function (c) { return c.trim().split('=')[0]; })
      .filter(function (n) { return n.indexOf('demo_') === 0; });
  }

  function render(state) {
    D.api('GET', '/consent/config').then(function (res) {
      if (res.status !== 200) return;
      var body = document.getElementById('state');
      body.textContent = '';
      res.body.categories.forEach(function (cat) {
        var granted = cat.required || (!state.needsConsent && !!state.decisions[cat.key]);
        var cookies = cat.cookies.map(function (c) { return c.name; }).join(', ');
        body.appendChild(
          D.el('tr', {}, [
            D.el('td', { text: cat.name }),
            D.el('td', { class: granted ? 'granted' : 'refused', 'data-category': cat.key, text: granted ? 'granted' : state.needsConsent ? 'not decided (off)' : 'refused' }),
            D.el('td', { text: cat.required ? 'keeps you signed in and remembers this choice' : 'may set ' + (cookies || 'no cookie') }),
          ]),
        );
      });
      var note = document.getElementById('state-note');
      // "Honoured" only when every sale/sharing category is really off (the server says so), never on the signal alone.
      var gpc = state.gpcHonoured
        ? ' (Global Privacy Control honoured)'
        : state.gpcOverride && state.gpcOverride.length
          ? ' (you chose to override Global Privacy Control for ' + state.gpcOverride.join(', ') + ')'
          : '';
      var region = state.region ? ' (' + state.region + ')' : '';
      note.textContent = state.needsConsent
        ? 'You have not decided yet: only strictly necessary cookies are allowed.' + (state.gpcHonoured ? ' Global Privacy Control honoured.' : '')
        : !state.decidedAt
          ? 'Opt-out rules apply in your region' + region + ': optional cookies are on until you refuse them under "Your privacy choices"' + gpc + '.'
          : 'Decided ' + D.when(state.decidedAt) + ', valid until ' + D.when(state.expiresAt) + gpc + '.';
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (window.AuthConsent) window.AuthConsent.onChange(render);
    document.getElementById('track').addEventListener('click', function () {
      var out = document.getElementById('track-result');
      D.api('GET', '/demo/track').then(function (res) {
        var present = demoCookies();
        D.say(out, 'Demo cookies in this browser now: ' + (present.length ? present.join(', ') : 'none'), res.status === 200);
      });
    });
  });
})();
