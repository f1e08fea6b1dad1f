(function () {
  'use strict';
  var D = window.Demo;

  function loadSessions() {
    return D.api('GET', '/auth/sessions').then(function (res) {
      var out = document.getElementById('sessions');
      out.textContent = '';
      if (res.status !== 200) return;
      out.appendChild(
        D.table(
          ['Device', 'IP', 'Created', 'Last seen', ''],
          res.body.map(function (s) {
            var action = s.current
              ? D.el('strong', { text: 'This session' })
              : D.el('button', {
                  type: 'button',
                  class: 'secondary',
                  'data-handle': s.handle,
                  text: 'Sign out this session',
                  onclick: function () {
                    D.api('DELETE', '/auth/sessions/' + encodeURIComponent(s.handle)).then(function (r) {
                      D.say(
                        document.getElementById('sessions-status'),
                        r.status === 204 ? 'Session signed out.' : D.errorText(r),
                        r.status === 204,
                      );
                      loadSessions();
                    });
                  },
                });
            return [s.userAgent || 'unknown device', s.ip || '', D.when(s.createdAt), D.when(s.lastSeenAt), action];
          }),
        ),
      );
    });
  }

  function loadConsent(state) {
    var now = document.getElementById('consent-now');
    var granted = Object.keys(state.decisions || {}).filter(function (k) {
      return state.decisions[k];
    });
    now.textContent = state.needsConsent
      ? 'No decision yet.'
      : 'Granted: ' + (granted.join(', ') || 'nothing') + '. Decided ' + D.when(state.decidedAt) + '.';
    D.api('GET', '/consent/history').then(function (res) {
      var out = document.getElementById('history');
      out.textContent = '';
      if (res.status !== 200) return;
      out.appendChild(
        D.table(
          ['When', 'Action', 'Granted', 'Policy', 'Source'],
          res.body.map(function (e) {
            var g = Object.keys(e.decisions || {}).filter(function (k) {
              return e.decisions[k];
            });
            return [D.when(e.at), e.action, g.join(', '), String(e.policyVersion), e.source];
          }),
        ),
      );
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    D.nav().then(function (me) {
      if (!me) {
        location.assign('/login');
        return;
      }
      document.getElementById('me').textContent =
        'Signed in as ' + me.username + ' (roles: ' + (me.roles.join(', ') || 'none') + ').';
      loadSessions();
      if (window.AuthConsent) window.AuthConsent.onChange(loadConsent);
    });
    document.getElementById('logout').addEventListener('click', function () {
      D.api('POST', '/auth/logout').then(function () {
        location.assign('/');
      });
    });
    document.getElementById('revoke-others').addEventListener('click', function () {
      D.api('DELETE', '/auth/sessions').then(function (r) {
        D.say(
          document.getElementById('sessions-status'),
          r.status === 204 ? 'Every other session is signed out.' : D.errorText(r),
          r.status === 204,
        );
        loadSessions();
      });
    });
    var form = document.getElementById('password');
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      D.api('POST', '/auth/password', {
        currentPassword: form.currentPassword.value,
        newPassword: form.newPassword.value,
      }).then(function (r) {
        D.say(
          document.getElementById('password-status'),
          r.status === 204 ? 'Password changed; your other sessions are signed out.' : D.errorText(r),
          r.status === 204,
        );
        if (r.status === 204) form.reset();
        loadSessions();
      });
    });
  });
})();
