/*
 * The sandbox account's widget host: loads an installed widget's script.js the way amoCRM does
 * and runs its callbacks in the area of the page (lead card, advanced settings).
 *
 * What amoCRM gives a widget (https://www.amocrm.ru/developers/content/integrations/script_js,
 * https://developers.kommo.com/docs/script-js, .../widget-locations):
 * - script.js is an AMD module, `define(['jquery'], factory)`, loaded by RequireJS from the
 *   widget's folder; the factory returns the widget's constructor, which runs with the system
 *   Widget object's methods already on `this` (its template calls `self.system()` at once);
 * - `system()` (area, amouser_id, amouser, subdomain...), `get_settings()` (the admin's
 *   settings plus widget_code, path, images_path, version), `i18n(section)` and `langs` (the
 *   widget's i18n file of the user's language), `get_version()`, `render_template()` (draws
 *   the widget's block in the card's right column), `$authorizedAjax()` (jQuery ajax with a new
 *   disposable token in X-Auth-Token for every request,
 *   https://developers.kommo.com/docs/one-time-tokens);
 * - callbacks: render, then init, then bind_actions; on the advanced settings page
 *   advancedSettings after them, the widget drawing into `#work-area-<widget_code>`; on a
 *   page of the widget's left-menu section (location widget_page) initMenuPage({location,
 *   item_code, subitem_code}) after them, into the same work area
 *   (https://developers.kommo.com/docs/left-menu);
 * - the globals `AMOCRM.lang_id` and `AMOCRM.data.current_card` (the open card's id).
 */
(function () {
  'use strict';
  var node = document.getElementById('amo-widget-config');
  if (!node) { return; }
  var config = JSON.parse(node.textContent);
  var $ = window.jQuery;
  var pending = null;

  window.AMOCRM = {
    lang_id: config.lang,
    widgets: {},
    data: {
      current_card: config.card ? {id: config.card.id, user: {id: config.user.id}} : null,
      current_entity: config.card ? 'leads' : null,
      is_card: Boolean(config.card)
    },
    constant: function (name) {
      if (name === 'user') { return {id: config.user.id, name: config.user.name}; }
      if (name === 'account') { return {id: config.account.id, subdomain: config.account.subdomain}; }
      return null;
    }
  };

  window.define = function (deps, factory) {
    pending = {deps: deps, factory: factory};
  };
  window.define.amd = {jQuery: true};

  function systemWidget() {
    var settings = $.extend({}, config.settings, {
      widget_code: config.widget.code,
      path: config.widget.path,
      images_path: config.widget.path + '/images',
      version: config.widget.version,
      status: 'installed',
      active: 'Y'
    });
    return {
      langs: config.i18n,
      params: settings,
      system: function () {
        return {
          area: config.area,
          amouser_id: String(config.user.id),
          amouser: config.user.email,
          amohash: '',
          subdomain: config.account.subdomain,
          domain: config.account.subdomain + '.amocrm.ru'
        };
      },
      get_settings: function () { return $.extend({}, settings); },
      get_version: function () { return config.widget.version; },
      i18n: function (section) { return config.i18n[section]; },
      render_template: function (options) {
        var block = $('#card-widgets [data-code="' + config.widget.code + '"]');
        var caption = (options && options.caption) || {};
        block.find('.card-widgets__widget__caption').attr('class',
          'card-widgets__widget__caption ' + (caption.class_name || ''));
        block.find('.card-widgets__widget__body').html(
          (options.body || '') + (options.render || ''));
        block.show();
      },
      $authorizedAjax: function (options) {
        return $.ajax({url: config.token_url, method: 'POST', dataType: 'text'})
          .then(function (token) {
            var request = $.extend({}, options);
            request.headers = $.extend({}, options.headers, {'X-Auth-Token': token});
            return $.ajax(request);
          });
      }
    };
  }

  function start() {
    if (!pending) {
      $('#widget-error').text('script.js defined no widget').show();
      return;
    }
    var modules = {jquery: $};
    var args = pending.deps.map(function (name) { return modules[name]; });
    var Custom = pending.factory.apply(window, args);
    Custom.prototype = $.extend(Object.create(systemWidget()), Custom.prototype);
    var widget = new Custom();
    window.AMOCRM.widgets[config.widget.code] = widget;
    var callbacks = widget.callbacks || {};
    ['render', 'init', 'bind_actions'].forEach(function (name) {
      if (typeof callbacks[name] === 'function') { callbacks[name](); }
    });
    if (config.area === 'advanced_settings' && typeof callbacks.advancedSettings === 'function') {
      callbacks.advancedSettings();
    }
    if (config.area === 'widget_page' && config.menu && typeof callbacks.initMenuPage === 'function') {
      callbacks.initMenuPage($.extend({}, config.menu));
    }
  }

  var script = document.createElement('script');
  script.src = config.widget.path + '/script.js?v=' + encodeURIComponent(config.widget.version);
  script.onload = start;
  script.onerror = function () {
    $('#widget-error').text('the widget could not be loaded').show();
  };
  document.head.appendChild(script);
}());

/* The account's own controls: who is looking and in which language (kept in cookies, as the
   signed-in user and their interface language are kept by amoCRM). */
(function () {
  'use strict';
  document.querySelectorAll('select[data-remember]').forEach(function (select) {
    select.addEventListener('change', function () {
      document.cookie = select.dataset.remember + '=' + encodeURIComponent(select.value) +
        '; path=' + (select.dataset.path || '/') + '; SameSite=Lax';
      window.location.reload();
    });
  });
}());
