// @ts-check
/* eslint-disable max-lines -- one browser script without a build step (the static report inlines it as one <script>); splitting it needs modules bundled by esbuild. */
/*
 * Doublon dashboard (served by the daemon) and static report (the same script inlined by
 * `doublon check --format html`, with the data in <script id="doublon-report">). Plain JS, no build step.
 * Live mode: token from ?token= kept in sessionStorage, JSON-RPC over POST /rpc with a Bearer token,
 * server-sent events from GET /events, thumbnails from GET /thumbs.
 * Type-checked by tsc against the DOM's types (daemon/dashboard/tsconfig.static.json, in `npm run lint`): JSDoc
 * casts say which element an id names.
 */
(function () {
  'use strict';

  var embedded = document.getElementById('doublon-report');
  var STATIC = embedded !== null;
  var TOKEN_KEY = 'doublon.token';
  var PAGE_SIZES = [25, 50, 100];
  var CLASSES = ['exact', 'pixel', 'near'];
  var RULES = {
    'web-safe': 'a format browsers display',
    preferred: 'preferred (pinned or preferred root)',
    'most-referenced': 'most referenced',
    'highest-resolution': 'highest resolution',
    lossless: 'lossless over lossy',
    'smallest-file': 'smallest file',
    oldest: 'oldest',
    'shortest-path': 'shortest path',
    lexical: 'first by name',
  };

  var state = {
    token: null,
    groups: new Map(),
    errors: [],
    clock: 0,
    status: null,
    thumbs: {},
    filter: { classes: new Set(CLASSES), folder: '', minBytes: 0, search: '', sort: 'bytes' },
    page: 0,
    pageSize: 50,
    visible: null,
    loaded: false,
  };

  // --- small helpers -----------------------------------------------------------------------------

  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'text') el.textContent = v;
        else if (k === 'class') el.className = v;
        else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : v);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return el;
  }
  /** The element of this page with that id (the page builds every one it asks for). */
  function $(id) {
    return /** @type {HTMLElement} */ (document.getElementById(id));
  }
  /** The value of the input or select an event came from. */
  function inputValue(e) {
    return /** @type {HTMLInputElement | HTMLSelectElement} */ (e.target).value;
  }
  function bytes(n) {
    if (n < 1024) return n + ' B';
    var units = ['KB', 'MB', 'GB'];
    var v = n / 1024;
    var u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return v.toFixed(v < 10 ? 1 : 0) + ' ' + units[u];
  }
  function pct(s) {
    return Math.round(s * 1000) / 10 + '%';
  }
  function plural(n, word) {
    return n + ' ' + word + (n === 1 ? '' : 's');
  }
  function announce(text) {
    var live = $('live');
    if (live) {
      live.textContent = '';
      live.textContent = text;
    }
  }
  function dirOf(p) {
    var i = p.lastIndexOf('/');
    return i < 0 ? '' : p.slice(0, i);
  }

  // --- the skeleton ------------------------------------------------------------------------------

  function skeleton() {
    var app = $('app');
    app.textContent = '';
    var classBoxes = CLASSES.map(function (c) {
      return h('label', null, h('input', { type: 'checkbox', name: 'class', value: c, checked: true }), c);
    });
    app.appendChild(h('a', { class: 'skip', href: '#groups' }, 'Skip to the groups'));
    app.appendChild(
      h(
        'header',
        { class: 'top' },
        h('h1', null, STATIC ? 'Doublon report' : 'Doublon'),
        h('span', { class: 'stat', id: 'totals' }, ''),
        h('span', { id: 'state', role: 'status' }, '')
      )
    );
    app.appendChild(h('div', { id: 'notices' }));
    var form = h(
      'form',
      { class: 'tools', id: 'tools', role: 'search', 'aria-label': 'Filter and sort the groups' },
      h('label', null, 'Search paths', h('input', { type: 'search', id: 'f-search', placeholder: 'e.g. logo.svg', autocomplete: 'off' })),
      h('fieldset', null, h('legend', null, 'Class'), h.apply(null, ['div', null].concat(classBoxes))),
      h(
        'label',
        null,
        'Folder',
        h('input', { type: 'text', id: 'f-folder', list: 'folders', placeholder: 'any folder', autocomplete: 'off' })
      ),
      h('datalist', { id: 'folders' }),
      h(
        'label',
        null,
        'Min. savings',
        h(
          'select',
          { id: 'f-min' },
          h('option', { value: '0' }, 'any'),
          h('option', { value: '1024' }, '1 KB'),
          h('option', { value: '10240' }, '10 KB'),
          h('option', { value: '102400' }, '100 KB'),
          h('option', { value: '1048576' }, '1 MB')
        )
      ),
      h(
        'label',
        null,
        'Sort by',
        h(
          'select',
          { id: 'f-sort' },
          h('option', { value: 'bytes' }, 'bytes saved'),
          h('option', { value: 'size' }, 'group size'),
          h('option', { value: 'path' }, 'path')
        )
      ),
      h(
        'label',
        null,
        'Per page',
        h.apply(
          null,
          ['select', { id: 'f-pagesize' }].concat(
            PAGE_SIZES.map(function (n) {
              return h('option', { value: String(n), selected: n === state.pageSize }, String(n));
            })
          )
        )
      )
    );
    form.addEventListener('submit', function (e) {
      e.preventDefault();
    });
    app.appendChild(form);
    app.appendChild(
      h(
        'main',
        { id: 'main' },
        h(
          'div',
          { class: 'summary' },
          h('p', { id: 'summary', 'aria-live': 'polite' }, 'Loading…'),
          h(
            'nav',
            { class: 'pager', 'aria-label': 'Pages' },
            h('button', { type: 'button', id: 'prev' }, '← Previous'),
            h('span', { id: 'pageinfo' }, ''),
            h('button', { type: 'button', id: 'next' }, 'Next →')
          )
        ),
        h('ul', { class: 'groups', id: 'groups', tabindex: '-1', 'aria-label': 'Duplicate groups' }),
        h(
          'details',
          { class: 'errors', id: 'errors', hidden: true },
          h('summary', { id: 'errors-title' }, 'Unreadable files'),
          h('ul', { id: 'errors-list' })
        )
      )
    );
    app.appendChild(h('p', { id: 'live', class: 'sr-only', 'aria-live': 'polite' }));
    app.appendChild(compareDialog());

    var search = /** @type {HTMLInputElement} */ ($('f-search'));
    var timer = null;
    search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        state.filter.search = search.value.trim().toLowerCase();
        filtersChanged();
      }, 120);
    });
    $('f-folder').addEventListener('input', function (e) {
      state.filter.folder = inputValue(e).trim().replace(/^\.\//, '').replace(/\/+$/, '');
      filtersChanged();
    });
    $('f-min').addEventListener('change', function (e) {
      state.filter.minBytes = Number(inputValue(e));
      filtersChanged();
    });
    $('f-sort').addEventListener('change', function (e) {
      state.filter.sort = inputValue(e);
      filtersChanged();
    });
    $('f-pagesize').addEventListener('change', function (e) {
      state.pageSize = Number(inputValue(e));
      filtersChanged();
    });
    classBoxes.forEach(function (label) {
      label.firstChild.addEventListener('change', function (e) {
        if (e.target.checked) state.filter.classes.add(e.target.value);
        else state.filter.classes.delete(e.target.value);
        filtersChanged();
      });
    });
    $('prev').addEventListener('click', function () {
      goPage(state.page - 1);
    });
    $('next').addEventListener('click', function () {
      goPage(state.page + 1);
    });
    document.addEventListener('keydown', function (e) {
      if (
        e.key === '/' &&
        !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName) &&
        !(/** @type {HTMLDialogElement} */ ($('compare')).open)
      ) {
        e.preventDefault();
        search.focus();
      }
    });
  }

  function notice(title, text) {
    var box = $('notices');
    box.textContent = '';
    box.appendChild(h('div', { class: 'notice', role: 'alert', id: 'auth-error' }, h('h2', null, title), h('p', null, text)));
  }

  // --- model -------------------------------------------------------------------------------------

  function matches(g) {
    var f = state.filter;
    if (!f.classes.has(g.class)) return false;
    if (g.bytesReclaimable < f.minBytes) return false;
    if (
      f.folder &&
      !g.members.some(function (m) {
        return m.path === f.folder || m.path.indexOf(f.folder + '/') === 0;
      })
    )
      return false;
    if (
      f.search &&
      !g.members.some(function (m) {
        return m.path.toLowerCase().indexOf(f.search) >= 0;
      })
    )
      return false;
    return true;
  }
  function compare(a, b) {
    var s = state.filter.sort;
    var d;
    if (s === 'size') d = b.members.length - a.members.length || b.bytesReclaimable - a.bytesReclaimable;
    else if (s === 'path') d = 0;
    else d = b.bytesReclaimable - a.bytesReclaimable || b.members.length - a.members.length;
    return d || (a.canonical < b.canonical ? -1 : a.canonical > b.canonical ? 1 : 0);
  }
  function visible() {
    if (!state.visible) {
      var list = [];
      state.groups.forEach(function (g) {
        if (matches(g)) list.push(g);
      });
      list.sort(compare);
      state.visible = list;
    }
    return state.visible;
  }
  function dataChanged() {
    state.visible = null;
    scheduleRender();
  }
  function filtersChanged() {
    state.page = 0;
    dataChanged();
  }
  function goPage(n) {
    var pages = Math.max(1, Math.ceil(visible().length / state.pageSize));
    state.page = Math.max(0, Math.min(pages - 1, n));
    render();
    $('groups').focus();
  }

  // --- rendering ---------------------------------------------------------------------------------

  var pending = false;
  function scheduleRender() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      render();
    });
  }

  function thumbUrl(m, size) {
    if (STATIC) return state.thumbs[m.sha256] || null;
    var dpr = Math.min(2, window.devicePixelRatio || 1);
    return (
      '/thumbs?path=' +
      encodeURIComponent(m.path) +
      '&size=' +
      Math.round(size * dpr) +
      '&v=' +
      m.sha256.slice(0, 12) +
      '&token=' +
      encodeURIComponent(state.token)
    );
  }

  function image(m, size, extra) {
    var url = thumbUrl(m, size);
    var alt = 'Image ' + m.path + ', ' + m.width + '×' + m.height;
    if (!url) return h('span', { class: 'meta', role: 'img', 'aria-label': alt }, 'no preview');
    var scale = Math.min(1, size / Math.max(m.width || 1, m.height || 1));
    return h(
      'img',
      Object.assign(
        {
          src: url,
          alt: alt,
          loading: 'lazy',
          decoding: 'async',
          width: String(Math.max(1, Math.round((m.width || size) * scale))),
          height: String(Math.max(1, Math.round((m.height || size) * scale))),
        },
        extra || {}
      )
    );
  }

  function memberItem(g, m, index) {
    var canon = m.path === g.canonical;
    var actions = h('div', { class: 'mactions' });
    if (!STATIC && !canon) {
      actions.appendChild(
        h(
          'button',
          {
            type: 'button',
            'data-key': 'canon:' + m.path,
            'aria-label': 'Make ' + m.path + ' the canonical image',
            onclick: function (e) {
              setCanonical(m.path, e.currentTarget);
            },
          },
          'Make canonical'
        )
      );
    }
    if (g.members.length > 1) {
      var other = canon
        ? g.members[index === 0 ? 1 : 0]
        : g.members.filter(function (x) {
            return x.path === g.canonical;
          })[0] || g.members[0];
      actions.appendChild(
        h(
          'button',
          {
            type: 'button',
            'data-key': 'cmp:' + m.path,
            'aria-label': 'Compare ' + m.path + ' with ' + other.path,
            onclick: function (e) {
              openCompare(g, canon ? m : other, canon ? other : m, e.currentTarget);
            },
          },
          'Compare'
        )
      );
    }
    return h(
      'li',
      { class: 'member' + (canon ? ' is-canon' : ''), 'data-path': m.path },
      h('div', { class: 'thumb' }, image(m, 160)),
      h(
        'div',
        null,
        canon
          ? h('span', { class: 'badge canon', title: 'Chosen by rule: ' + (RULES[g.rule] || g.rule) }, 'canonical')
          : h('span', { class: 'badge ' + m.class }, m.class)
      ),
      canon ? h('div', { class: 'meta' }, 'rule: ' + (RULES[g.rule] || g.rule)) : null,
      h('div', { class: 'path' }, m.path),
      h(
        'div',
        { class: 'meta' },
        m.width + '×' + m.height + ' · ' + bytes(m.bytes) + (canon ? '' : ' · ' + pct(m.similarity) + ' similar')
      ),
      m.references !== undefined ? h('div', { class: 'meta' }, plural(m.references, 'reference')) : null,
      actions
    );
  }

  function groupItem(g) {
    var titleId = 'gt-' + g.id;
    var actions = h('span', { class: 'gactions' });
    if (!STATIC) {
      actions.appendChild(
        h(
          'button',
          {
            type: 'button',
            'data-key': 'ign:' + g.id,
            'aria-label': 'Ignore this group: the ' + g.members.length + ' files are not duplicates',
            onclick: function (e) {
              ignore(g, e.currentTarget);
            },
          },
          'Not duplicates'
        )
      );
      if (hasCapability('replacePlan')) {
        // HOOK(replace): shown once the daemon advertises the replace methods (another colleague's work).
        actions.appendChild(
          h(
            'button',
            {
              type: 'button',
              'data-key': 'rep:' + g.id,
              onclick: function () {
                replaceGroup(g);
              },
            },
            'Replace copies…'
          )
        );
      }
    }
    return h(
      'li',
      { class: 'group', id: 'g-' + g.id, 'data-group': g.id, 'aria-labelledby': titleId },
      h(
        'h2',
        { id: titleId },
        h('span', { class: 'badge ' + g.class }, g.class),
        h('span', null, plural(g.members.length, 'file') + ' · ' + bytes(g.bytesReclaimable) + ' reclaimable'),
        h('span', { class: 'meta path' }, g.canonical),
        actions
      ),
      h.apply(
        null,
        ['ul', { class: 'members', 'aria-label': 'Files of this group' }].concat(
          g.members.map(function (m, i) {
            return memberItem(g, m, i);
          })
        )
      )
    );
  }

  function render() {
    if (!state.loaded) return;
    var active = document.activeElement;
    var key = active && active.getAttribute && active.getAttribute('data-key');
    var list = visible();
    var pages = Math.max(1, Math.ceil(list.length / state.pageSize));
    if (state.page >= pages) state.page = pages - 1;
    var slice = list.slice(state.page * state.pageSize, (state.page + 1) * state.pageSize);
    var ul = $('groups');
    ul.textContent = '';
    if (slice.length === 0)
      ul.appendChild(
        h('li', { class: 'empty' }, state.groups.size === 0 ? 'No duplicate images found.' : 'No group matches these filters.')
      );
    slice.forEach(function (g) {
      ul.appendChild(groupItem(g));
    });
    var saved = list.reduce(function (n, g) {
      return n + g.bytesReclaimable;
    }, 0);
    var dups = list.reduce(function (n, g) {
      return n + g.members.length - 1;
    }, 0);
    $('summary').textContent =
      'Showing ' +
      plural(list.length, 'group') +
      (list.length !== state.groups.size ? ' of ' + state.groups.size : '') +
      ' · ' +
      plural(dups, 'duplicate') +
      ' · ' +
      bytes(saved) +
      ' reclaimable';
    $('pageinfo').textContent = 'Page ' + (state.page + 1) + ' of ' + pages;
    /** @type {HTMLButtonElement} */ ($('prev')).disabled = state.page === 0;
    /** @type {HTMLButtonElement} */ ($('next')).disabled = state.page >= pages - 1;
    renderTotals();
    renderFolders();
    renderErrors();
    if (key) {
      var again = /** @type {HTMLElement | null} */ (document.querySelector('[data-key="' + CSS.escape(key) + '"]'));
      if (again) again.focus();
    }
  }

  function renderTotals() {
    var all = 0;
    var dups = 0;
    state.groups.forEach(function (g) {
      all += g.bytesReclaimable;
      dups += g.members.length - 1;
    });
    var t = $('totals');
    t.textContent = '';
    t.appendChild(h('strong', null, plural(state.groups.size, 'group')));
    t.appendChild(document.createTextNode(' · ' + plural(dups, 'duplicate') + ' · '));
    t.appendChild(h('strong', { id: 'total-bytes' }, bytes(all)));
    t.appendChild(document.createTextNode(' reclaimable in total'));
  }

  var foldersKey = '';
  function renderFolders() {
    var set = new Set();
    state.groups.forEach(function (g) {
      g.members.forEach(function (m) {
        var d = dirOf(m.path);
        while (d) {
          set.add(d);
          d = dirOf(d);
        }
      });
    });
    var folders = Array.from(set).sort().slice(0, 500);
    var k = folders.join('\n');
    if (k === foldersKey) return;
    foldersKey = k;
    var dl = $('folders');
    dl.textContent = '';
    folders.forEach(function (f) {
      dl.appendChild(h('option', { value: f }));
    });
  }

  function renderErrors() {
    var box = $('errors');
    box.hidden = state.errors.length === 0;
    $('errors-title').textContent = plural(state.errors.length, 'unreadable file');
    var ul = $('errors-list');
    ul.textContent = '';
    state.errors.slice(0, 1000).forEach(function (e) {
      ul.appendChild(h('li', null, h('span', { class: 'path' }, e.path), ': ' + e.message));
    });
  }

  function renderStatus() {
    var s = state.status;
    var el = $('state');
    if (!el) return;
    el.textContent = '';
    if (STATIC) {
      el.textContent = 'Generated ' + (s && s.generatedAt ? s.generatedAt : '') + ' · read-only';
      return;
    }
    if (!s) return;
    el.appendChild(document.createTextNode(s.state === 'scanning' ? 'Scanning' : s.state === 'idle' ? 'Up to date' : s.state));
    if (s.progress) {
      el.appendChild(document.createTextNode(' '));
      el.appendChild(h('progress', { max: String(s.progress.total || 1), value: String(s.progress.done), 'aria-label': 'Scan progress' }));
    }
    el.appendChild(document.createTextNode(' · ' + plural(s.files, 'image') + ' · watcher ' + s.watcher.mode));
    var warn = document.getElementById('watch-warn');
    if (s.watcher.problem) {
      if (!warn) {
        warn = h('p', { class: 'warn', id: 'watch-warn', role: 'status' });
        $('notices').appendChild(warn);
      }
      warn.textContent = 'Watcher: ' + s.watcher.problem;
    } else if (warn) warn.remove();
  }

  // --- compare view ------------------------------------------------------------------------------

  var cmp = { group: null, a: null, b: null, mode: 'side', opener: null };

  function compareDialog() {
    var modes = [
      ['side', 'Side by side'],
      ['slider', 'Overlay slider'],
      ['diff', 'Difference'],
    ].map(function (m) {
      return h('label', null, h('input', { type: 'radio', name: 'cmp-mode', value: m[0], checked: m[0] === 'side' }), m[1]);
    });
    var dialog = h(
      'dialog',
      { id: 'compare', 'aria-labelledby': 'cmp-title' },
      h(
        'div',
        { class: 'cmp-head' },
        h(
          'h2',
          { id: 'cmp-title' },
          h('span', null, 'Compare images'),
          h('button', { type: 'button', id: 'cmp-close', 'aria-label': 'Close the compare view (Esc)' }, 'Close ✕')
        ),
        h('label', null, 'Left / bottom', h('select', { id: 'cmp-a' })),
        h('label', null, 'Right / top', h('select', { id: 'cmp-b' })),
        h('fieldset', null, h('legend', null, 'View'), h.apply(null, ['div', null].concat(modes)))
      ),
      h('div', { class: 'cmp-stage', id: 'cmp-stage' })
    );
    dialog.addEventListener('close', function () {
      $('cmp-stage').textContent = '';
      if (cmp.opener && document.contains(cmp.opener)) cmp.opener.focus();
    });
    dialog.querySelector('#cmp-close').addEventListener('click', function () {
      dialog.close();
    });
    dialog.addEventListener('click', function (e) {
      if (e.target === dialog) dialog.close();
    });
    modes.forEach(function (l) {
      l.firstChild.addEventListener('change', function (e) {
        cmp.mode = e.target.value;
        renderCompare();
      });
    });
    dialog.querySelector('#cmp-a').addEventListener('change', function (e) {
      cmp.a = byPath(e.target.value);
      renderCompare();
    });
    dialog.querySelector('#cmp-b').addEventListener('change', function (e) {
      cmp.b = byPath(e.target.value);
      renderCompare();
    });
    return dialog;
  }
  function byPath(p) {
    return cmp.group.members.filter(function (m) {
      return m.path === p;
    })[0];
  }

  function openCompare(g, a, b, opener) {
    cmp.group = g;
    cmp.a = a;
    cmp.b = b;
    cmp.opener = opener;
    ['cmp-a', 'cmp-b'].forEach(function (id, i) {
      var sel = $(id);
      sel.textContent = '';
      g.members.forEach(function (m) {
        sel.appendChild(h('option', { value: m.path, selected: m.path === (i === 0 ? a : b).path }, m.path));
      });
    });
    var dialog = /** @type {HTMLDialogElement} */ ($('compare'));
    renderCompare();
    if (!dialog.open) dialog.showModal();
    $('cmp-close').focus();
  }

  function caption(m) {
    return (
      m.path +
      ' — ' +
      m.width +
      '×' +
      m.height +
      ', ' +
      bytes(m.bytes) +
      (m.path === cmp.group.canonical ? ' (canonical)' : ', ' + pct(m.similarity) + ' similar')
    );
  }

  function renderCompare() {
    var stage = $('cmp-stage');
    stage.textContent = '';
    var a = cmp.a;
    var b = cmp.b;
    if (cmp.mode === 'side') {
      stage.appendChild(
        h(
          'div',
          { class: 'cmp-side' },
          h('figure', null, image(a, 1024, { loading: 'eager', class: 'cmp-img' }), h('figcaption', null, caption(a))),
          h('figure', null, image(b, 1024, { loading: 'eager', class: 'cmp-img' }), h('figcaption', null, caption(b)))
        )
      );
      return;
    }
    var top = image(b, 1024, { loading: 'eager', class: 'top cmp-img' });
    var over = h(
      'div',
      { class: 'cmp-over' + (cmp.mode === 'diff' ? ' diff' : '') },
      image(a, 1024, { loading: 'eager', class: 'bottom cmp-img' }),
      top
    );
    stage.appendChild(over);
    if (cmp.mode === 'slider') {
      var slider = h('input', {
        type: 'range',
        min: '0',
        max: '100',
        value: '50',
        id: 'cmp-slider',
        'aria-label': 'Split position: left shows ' + a.path + ', right shows ' + b.path,
      });
      var apply = function () {
        if (top.style) top.style.clipPath = 'inset(0 0 0 ' + slider.value + '%)';
      };
      slider.addEventListener('input', apply);
      apply();
      stage.appendChild(slider);
      stage.appendChild(h('p', { class: 'cmp-caption' }, 'Left of the split: ' + caption(a) + '. Right: ' + caption(b) + '.'));
    } else {
      stage.appendChild(
        h(
          'p',
          { class: 'cmp-caption' },
          'Difference of ' + a.path + ' and ' + b.path + ': black where the pixels are the same, bright where they differ.'
        )
      );
    }
  }

  // --- live mode: RPC, events, actions -----------------------------------------------------------

  function AuthError() {
    this.message = 'unauthorized';
  }

  function authFailed(wrong) {
    sessionStorage.removeItem(TOKEN_KEY);
    notice(
      wrong ? 'Wrong token' : 'Missing or wrong token',
      'This page needs the address printed by "doublon serve" (it ends with ?token=…). Run doublon serve in the project folder and open the address it prints.'
    );
    var s = $('summary');
    if (s) s.textContent = 'No data: missing or wrong token.';
  }

  var rpcId = 0;
  function rpc(method, params) {
    return fetch('/rpc', {
      method: 'POST',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + state.token },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method: method, params: params || {} }),
    })
      .then(function (res) {
        if (res.status === 401) {
          authFailed(true);
          throw new AuthError();
        }
        if (!res.ok) throw new Error('HTTP ' + res.status + ' from ' + method);
        return res.json();
      })
      .then(function (body) {
        if (body.error) throw new Error(body.error.message);
        return body.result;
      });
  }

  function hasCapability(name) {
    return !!(state.status && state.status.capabilities && state.status.capabilities.indexOf(name) >= 0);
  }

  function loadAll(attempt) {
    var groups = [];
    var first = null;
    function page(offset) {
      return rpc('doublon/groups', { offset: offset, limit: 10000 }).then(function (r) {
        if (first === null) first = r;
        if (r.clock !== first.clock && (attempt || 0) < 3) return loadAll((attempt || 0) + 1);
        groups.push.apply(groups, r.groups);
        if (offset + r.groups.length < r.total && r.groups.length > 0) return page(offset + r.groups.length);
        state.groups = new Map(
          groups.map(function (g) {
            return [g.id, g];
          })
        );
        state.errors = first.errors || [];
        state.clock = first.clock;
        state.loaded = true;
        dataChanged();
        return undefined;
      });
    }
    return page(0);
  }

  var resyncing = null;
  function resync() {
    if (resyncing) return resyncing;
    resyncing = rpc('doublon/groups', { since: state.clock, limit: 10000 })
      .then(function (r) {
        if (!r.incremental) return loadAll();
        applyDelta({ clock: r.clock, changed: r.groups, removed: r.removed || [] }, true);
        if (r.errors) state.errors = r.errors;
        return undefined;
      })
      .finally(function () {
        resyncing = null;
      });
    return resyncing;
  }

  function applyDelta(d, force) {
    if (!force && d.clock <= state.clock) return;
    var added = 0;
    (d.removed || []).forEach(function (id) {
      state.groups.delete(id);
    });
    (d.changed || []).forEach(function (g) {
      // A group's id can change when its canonical does: drop any old group holding the same files.
      if (!state.groups.has(g.id)) {
        var paths = new Set(
          g.members.map(function (m) {
            return m.path;
          })
        );
        var replaced = false;
        state.groups.forEach(function (old, id) {
          if (
            old.members.some(function (m) {
              return paths.has(m.path);
            })
          ) {
            state.groups.delete(id);
            replaced = true;
          }
        });
        if (!replaced) added++;
      }
      state.groups.set(g.id, g);
    });
    state.clock = Math.max(state.clock, d.clock);
    dataChanged();
    var removed = (d.removed || []).length;
    if (added || removed)
      announce((added ? plural(added, 'group') + ' added. ' : '') + (removed ? plural(removed, 'group') + ' removed.' : ''));
  }

  var events = null;
  function connectEvents() {
    var lost = false;
    events = new EventSource('/events?token=' + encodeURIComponent(state.token));
    events.addEventListener('doublon/groupsChanged', function (e) {
      if (state.loaded) applyDelta(JSON.parse(e.data));
    });
    events.addEventListener('doublon/statusChanged', function (e) {
      state.status = JSON.parse(e.data);
      renderStatus();
    });
    events.addEventListener('doublon/progress', function (e) {
      var p = JSON.parse(e.data);
      if (state.status) {
        state.status.progress = { done: p.done, total: p.total };
        renderStatus();
      }
    });
    events.addEventListener('open', function () {
      if (lost && state.loaded)
        resync().catch(function () {
          /* the next event retries */
        });
      lost = false;
    });
    events.addEventListener('error', function () {
      lost = true;
      if (events.readyState === EventSource.CLOSED) {
        // Refused (wrong token) or the daemon is gone: ask /rpc which, then retry later.
        rpc('doublon/status').then(
          function () {
            setTimeout(connectEvents, 2000);
          },
          function (err) {
            if (!(err instanceof AuthError)) {
              notice('Disconnected', 'The Doublon daemon does not answer. Start it again with doublon serve, then reload.');
              setTimeout(connectEvents, 5000);
            }
          }
        );
      }
    });
  }

  function busy(button, on) {
    if (button) {
      button.disabled = on;
      button.setAttribute('aria-busy', on ? 'true' : 'false');
    }
  }

  function setCanonical(p, button) {
    busy(button, true);
    rpc('doublon/setCanonical', { path: p })
      .then(function (g) {
        applyDelta({ clock: state.clock, changed: [g], removed: [] }, true);
        announce(p + ' is now the canonical image.');
        var again = /** @type {HTMLElement | null} */ (
          document.querySelector('[data-group="' + CSS.escape(g.id) + '"] [data-key^="cmp:"]')
        );
        if (again) again.focus();
      })
      .catch(function (err) {
        if (!(err instanceof AuthError)) {
          busy(button, false);
          announce('Could not set the canonical: ' + err.message);
          window.alert('Could not set the canonical image: ' + err.message);
        }
      });
  }

  function ignore(g, button) {
    var paths = g.members.map(function (m) {
      return m.path;
    });
    if (
      !window.confirm(
        'Declare these ' + paths.length + ' files distinct? Doublon records it in doublon.config.json.\n\n' + paths.join('\n')
      )
    )
      return;
    busy(button, true);
    rpc('doublon/ignore', { paths: paths })
      .then(function (r) {
        state.groups.delete(g.id);
        dataChanged();
        announce('Group ignored.');
        if (r && typeof r.clock === 'number') return resync();
        return undefined;
      })
      .catch(function (err) {
        if (!(err instanceof AuthError)) {
          busy(button, false);
          window.alert('Could not ignore the group: ' + err.message);
        }
      });
  }

  /**
   * Replacing a group's copies by its canonical: the dry-run plan is shown first (every edit, every file
   * to remove), then applied on confirmation; the daemon journals it, so "Undo last replace" restores it.
   * Asking for one group is asking for its near copies too.
   */
  function replaceGroup(g) {
    rpc('doublon/replacePlan', { groupId: g.id, classes: ['exact', 'pixel', 'near'], delete: true })
      .then(function (plan) {
        var lines = plan.edits
          .map(function (e) {
            return e.path + ':' + (e.line + 1) + '  ' + e.oldText + ' → ' + e.newText;
          })
          .concat(
            plan.removals.map(function (r) {
              return 'remove ' + r.path + ' (' + r.bytes + ' bytes, kept in the trash)';
            })
          )
          .concat(
            plan.skipped.map(function (k) {
              return 'skip ' + (k.path ? k.path + ': ' : '') + k.reason;
            })
          );
        if (plan.edits.length === 0 && plan.removals.length === 0) {
          window.alert('Nothing to replace in this group.\n\n' + lines.join('\n'));
          return undefined;
        }
        var shown = lines.length > 25 ? lines.slice(0, 25).concat(['… and ' + (lines.length - 25) + ' more']) : lines;
        if (!window.confirm('Replace the copies of ' + g.canonical + '?\n\n' + shown.join('\n'))) return undefined;
        return rpc('doublon/replaceApply', { plan: plan.plan }).then(function (r) {
          announce('Replaced: ' + r.editsApplied + ' references rewritten, ' + r.removed + ' files moved to the trash.');
          return resync();
        });
      })
      .catch(function (err) {
        if (!(err instanceof AuthError)) window.alert('Could not replace the group: ' + err.message);
      });
  }

  function startLive() {
    var url = new URL(location.href);
    var fromUrl = url.searchParams.get('token');
    if (fromUrl) {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
      url.searchParams.delete('token');
      history.replaceState(null, '', url.pathname + url.search + url.hash);
    }
    state.token = sessionStorage.getItem(TOKEN_KEY);
    if (!state.token) {
      authFailed(false);
      return;
    }
    rpc('doublon/status')
      .then(function (s) {
        state.status = s;
        renderStatus();
        connectEvents();
        return loadAll().then(resync);
      })
      .catch(function (err) {
        if (!(err instanceof AuthError)) notice('Cannot load the groups', String((err && err.message) || err));
      });
  }

  function startStatic() {
    var data = JSON.parse(embedded.textContent);
    state.thumbs = data.thumbs || {};
    state.groups = new Map(
      data.report.groups.map(function (g) {
        return [g.id, g];
      })
    );
    state.errors = data.report.errors || [];
    state.status = { generatedAt: data.generatedAt };
    state.loaded = true;
    renderStatus();
    dataChanged();
  }

  function boot() {
    skeleton();
    if (STATIC) startStatic();
    else startLive();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
