/*
 * The SUPLINKS API explorer: GraphiQL with the explorer plugin, every script
 * served by this service (the Content-Security-Policy allows 'self' only, so
 * this file is the page's only code: no inline script).
 *
 * Sessions: `logIn` answers with an HttpOnly, SameSite=Strict session cookie
 * that the fetcher sends back (same origin), so the next query runs as you
 * without copying a token anywhere.
 *
 * Storage: GraphiQL keeps the editors, the tabs and the query history in
 * localStorage. Queries can hold a password (`logIn`), and the history keeps
 * each query's headers (an `Authorization: Bearer ...` token) even with
 * shouldPersistHeaders off. So this page keeps all of that in memory, for the
 * life of the tab, and persists only layout preferences.
 */
(function () {
  'use strict';

  var PERSISTED_KEYS = [
    'graphiql:theme',
    'graphiql:visiblePlugin',
    'graphiql:editorFlex',
    'graphiql:secondaryEditorFlex',
    'graphiql:docExplorerFlex',
  ];

  function isPersisted(key) {
    return PERSISTED_KEYS.indexOf(key) !== -1;
  }

  var memory = new Map();
  var storage = {
    getItem: function (key) {
      if (isPersisted(key)) return window.localStorage.getItem(key);
      return memory.has(key) ? memory.get(key) : null;
    },
    setItem: function (key, value) {
      if (isPersisted(key)) window.localStorage.setItem(key, value);
      else memory.set(key, String(value));
    },
    removeItem: function (key) {
      if (isPersisted(key)) window.localStorage.removeItem(key);
      else memory.delete(key);
    },
    clear: function () {
      memory.clear();
      PERSISTED_KEYS.forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    },
    get length() {
      return memory.size + PERSISTED_KEYS.filter(function (key) {
        return window.localStorage.getItem(key) !== null;
      }).length;
    },
  };

  function fetcher(params, options) {
    var headers = Object.assign(
      { Accept: 'application/json', 'Content-Type': 'application/json' },
      options && options.headers
    );
    return fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers,
      body: JSON.stringify(params),
    }).then(function (response) {
      // Some rejections (an unknown operation name, a malformed body) come back
      // as plain text: show them as an error rather than a JSON parse failure.
      return response.text().then(function (body) {
        try {
          return JSON.parse(body);
        } catch (notJson) {
          return { errors: [{ message: body || response.status + ' ' + response.statusText }] };
        }
      });
    });
  }

  var DEFAULT_QUERY = [
    '# SUPLINKS API explorer',
    '#',
    '# 1. Log in: uncomment this',
    '#    mutation, fill in your',
    '#    email and password',
    '#    (`make run` prints the',
    '#    demo logins) and run it.',
    '#    The session is a cookie:',
    '#    no token to copy.',
    '#',
    '# mutation LogIn {',
    '#   logIn(',
    '#     email: "you@example.com"',
    '#     password: "your password"',
    '#   ) {',
    '#     userErrors { code message }',
    '#   }',
    '# }',
    '#',
    '# 2. Who am I? The Explorer',
    '#    panel builds queries too.',
    '',
    'query Me {',
    '  viewer {',
    '    profile {',
    '      alias',
    '    }',
    '  }',
    '}',
    '',
    '# 3. `mutation { logOut }`',
    '#    ends the session.',
    '',
  ].join('\n');

  var explorer = window.GraphiQLPluginExplorer.explorerPlugin();

  window.ReactDOM.createRoot(document.getElementById('graphiql')).render(
    window.React.createElement(window.GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      plugins: [explorer],
      visiblePlugin: explorer,
      storage: storage,
      shouldPersistHeaders: false,
      showPersistHeadersSettings: false,
    })
  );
})();
