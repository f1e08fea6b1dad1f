(function () {
  'use strict';
  var D = window.Demo;

  function sessionsOf(userId) {
    var status = document.getElementById('user-sessions-status');
    return D.api('GET', '/admin/users/' + encodeURIComponent(userId) + '/sessions').then(function (res) {
      var out = document.getElementById('user-sessions-out');
      out.textContent = '';
      if (res.status !== 200) return D.say(status, D.errorText(res), false);
      D.say(status, res.body.length + ' live session(s).', true);
      out.appendChild(
        D.table(
          ['Device', 'IP', 'Created', 'Last seen', ''],
          res.body.map(function (s) {
            return [
              s.userAgent || 'unknown device',
              s.ip || '',
              D.when(s.createdAt),
              D.when(s.lastSeenAt),
              D.el('button', {
                type: 'button',
                class: 'secondary',
                text: 'Revoke',
                onclick: function () {
                  D.api('DELETE', '/admin/sessions/' + encodeURIComponent(s.handle)).then(function () { sessionsOf(userId); });
                },
              }),
            ];
          }),
        ),
      );
    });
  }

  function subjectPath(form) {
    return encodeURIComponent(form.subjectType.value) + '/' + encodeURIComponent(form.subjectId.value.trim());
  }

  document.addEventListener('DOMContentLoaded', function () {
    D.nav();
    var userForm = document.getElementById('user-sessions');
    userForm.addEventListener('submit', function (e) {
      e.preventDefault();
      sessionsOf(userForm.userId.value.trim());
    });
    document.getElementById('revoke-user').addEventListener('click', function () {
      var id = userForm.userId.value.trim();
      if (!id) return;
      D.api('DELETE', '/admin/users/' + encodeURIComponent(id) + '/sessions').then(function () { sessionsOf(id); });
    });

    var subject = document.getElementById('subject');
    var subjectStatus = document.getElementById('subject-status');
    subject.addEventListener('submit', function (e) {
      e.preventDefault();
      var out = document.getElementById('subject-out');
      out.textContent = '';
      D.api('GET', '/admin/consent/subjects/' + subjectPath(subject)).then(function (res) {
        if (res.status !== 200) return D.say(subjectStatus, D.errorText(res), false);
        D.say(subjectStatus, '', true);
        out.appendChild(D.el('pre', { text: JSON.stringify(res.body, null, 2) }));
        var q = new URLSearchParams({ subjectType: subject.subjectType.value, subjectId: subject.subjectId.value.trim(), limit: '100' });
        return D.api('GET', '/admin/consent/events?' + q).then(function (ev) {
          if (ev.status !== 200) return;
          out.appendChild(
            D.table(
              ['Seq', 'When', 'Action', 'Source', 'Policy'],
              ev.body.items.map(function (x) { return [String(x.seq), D.when(x.createdAt), x.action, x.source, String(x.policyVersion)]; }),
            ),
          );
        });
      });
    });
    document.getElementById('verify-subject').addEventListener('click', function () {
      var q = new URLSearchParams({ subjectType: subject.subjectType.value, subjectId: subject.subjectId.value.trim() });
      D.api('GET', '/admin/consent/verify?' + q).then(function (res) {
        if (res.status !== 200) return D.say(subjectStatus, D.errorText(res), false);
        D.say(subjectStatus, res.body.ok ? 'Chain verifies (' + res.body.checked + ' events).' : 'Chain broken at seq ' + res.body.brokenAt + '.', res.body.ok);
      });
    });
    document.getElementById('verify-all').addEventListener('click', function () {
      var out = document.getElementById('verify-status');
      D.say(out, 'Verifying…', true);
      // Every chain is verified as a stream of NDJSON lines: progress, broken chains, then a final report.
      fetch('/admin/consent/verify', { credentials: 'same-origin', headers: { Accept: 'application/x-ndjson' } })
        .then(function (res) {
          return res.text().then(function (text) { return { status: res.status, text: text }; });
        })
        .then(function (r) {
          if (r.status !== 200) return D.say(out, 'Verification failed (' + r.status + ').', false);
          var lines = r.text.trim().split('\n').map(function (l) { return JSON.parse(l); });
          var done = lines.filter(function (l) { return l.done; })[0];
          var broken = lines.filter(function (l) { return l.chain; }).map(function (l) { return l.chain.subjectType + ':' + l.chain.subjectId + ' at seq ' + l.chain.brokenAt; });
          if (!done) return D.say(out, 'Verification stopped before the end.', false);
          D.say(out, done.ok ? 'Every chain verifies (' + done.subjects + ' chains, ' + done.checked + ' events).' : done.broken + ' broken chain(s): ' + broken.join('; '), done.ok);
        });
    });
    var stats = document.getElementById('stats');
    stats.addEventListener('submit', function (e) {
      e.preventDefault();
      var q = new URLSearchParams();
      if (stats.from.value) q.set('from', new Date(stats.from.value).toISOString());
      if (stats.to.value) q.set('to', new Date(stats.to.value + 'T23:59:59.999Z').toISOString());
      D.api('GET', '/admin/consent/stats?' + q).then(function (res) {
        var out = document.getElementById('stats-out');
        out.textContent = '';
        if (res.status !== 200) return out.appendChild(D.el('p', { class: 'bad', text: D.errorText(res) }));
        out.appendChild(D.el('p', { text: res.body.decisions + ' decision(s).' }));
        out.appendChild(
          D.table(
            ['Category', 'Granted', 'Refused', 'Rate'],
            Object.keys(res.body.byCategory).map(function (k) {
              var c = res.body.byCategory[k];
              return [k, String(c.granted), String(c.refused), Math.round(c.rate * 100) + '%'];
            }),
          ),
        );
      });
    });
  });
})();
