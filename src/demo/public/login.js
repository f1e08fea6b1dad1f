(function () {
  'use strict';
  var D = window.Demo;
  D.nav();

  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('login');
    var out = document.getElementById('login-status');
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var body = { username: form.username.value, password: form.password.value, remember: form.remember.checked };
      D.api('POST', '/auth/login', body).then(function (res) {
        if (res.status === 200) {
          location.assign('/account');
        } else if (res.status === 429) {
          D.say(
            out,
            'Too many attempts. Try again in ' + (res.headers.get('Retry-After') || 'a few') + ' seconds.',
            false,
          );
        } else {
          D.say(out, res.status === 401 ? 'Wrong username or password.' : D.errorText(res), false);
        }
      });
    });
  });
})();
