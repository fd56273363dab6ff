/*
 * rentflow widget for amoCRM. It shows rentflow's workspace (served by rentflow) in a frame:
 * - the advanced settings page (location advanced_settings): the whole workspace, filling the
 *   page, for the account's administrators;
 * - the widget's own section of the left menu (location widget_page, manifest.json's
 *   left_menu with the subsections "leases" and "attention"; amoCRM calls initMenuPage with
 *   {location, item_code, subitem_code}: https://developers.kommo.com/docs/left-menu,
 *   https://developers.kommo.com/docs/widget-locations): the leases list or needs attention,
 *   filling the page, for every user — a manager sees their own leases and no settings;
 * - the lead card's right column (location lcard): the lead's lease card, or the form creating
 *   a lease from the lead when it has none;
 * - the digital-pipeline action's settings (dpSettings): the account's hidden action token.
 *
 * The frame's address comes from rentflow (GET /amocrm/widget/workspace), asked with amoCRM's
 * disposable token: rentflow checks it, asks amoCRM who the user is and whether they are an
 * administrator, and answers an address carrying its own short-lived token for them.
 *
 * Callbacks and helpers (render_template, i18n, get_settings, system, $authorizedAjax) follow
 * amoCRM's widget SDK: https://www.amocrm.ru/developers/content/integrations/script_js and
 * https://developers.kommo.com/docs/one-time-tokens ($authorizedAjax adds X-Auth-Token).
 */
define(['jquery'], function ($) {
  'use strict';

  var DEFAULT_BACKEND = '__RENTFLOW_BASE_URL__';
  var PANEL_HEIGHT = 720; /* the lead card's column scrolls the page; the frame scrolls itself */

  return function () {
    var self = this;

    function backend() {
      var configured = (self.get_settings() || {}).backend_url;
      return (configured || DEFAULT_BACKEND).replace(/\/+$/, '');
    }

    function t(key) {
      var parts = key.split('.');
      var node = self.i18n(parts[0]) || {};
      return node[parts[1]] || key;
    }

    function esc(value) {
      return String(value === null || value === undefined ? '' : value)
        .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
    }

    function lang() {
      var code = (window.AMOCRM && AMOCRM.lang_id) || 'ru';
      return code === 'ru' ? 'ru' : 'en';
    }

    function call(path, method, body) {
      return self.$authorizedAjax({
        url: backend() + path,
        method: method || 'GET',
        contentType: 'application/json',
        data: body ? JSON.stringify(body) : undefined,
        dataType: 'json'
      });
    }

    function workspace(query) {
      return call('/amocrm/widget/workspace?' + $.param($.extend({lang: lang()}, query)));
    }

    function refusal(xhr) {
      if (xhr && xhr.status === 403) { return t('panel.admins_only'); }
      return t('panel.error');
    }

    function frame(url, style) {
      return '<iframe class="rentflow-frame" title="rentflow" src="' + esc(backend() + url) +
        '" style="' + style + '"></iframe>';
    }

    function message(state, text) {
      return '<div class="rentflow-panel" data-state="' + state + '" style="padding:10px 12px;' +
        'font:13px/1.4 \'PT Sans\',Arial,sans-serif;color:#92989b">' + esc(text) + '</div>';
    }

    function currentLead() {
      var card = window.AMOCRM && AMOCRM.data ? AMOCRM.data.current_card : null;
      return card && card.id ? card.id : null;
    }

    function fitPanel(event) {
      /* rentflow's page tells its height (static/rentflow-amocrm-frame.js): fit the frame */
      var frameEl = $('.rentflow-lcard iframe.rentflow-frame').get(0);
      var data = event.originalEvent ? event.originalEvent.data : null;
      var origin = event.originalEvent ? event.originalEvent.origin : '';
      if (!frameEl || !data || data.rentflow !== 'height' || origin !== backendOrigin() ||
          event.originalEvent.source !== frameEl.contentWindow) {
        return;
      }
      var height = Math.max(200, Math.min(parseInt(data.height, 10) || PANEL_HEIGHT, 4000));
      frameEl.style.height = height + 'px';
    }

    function backendOrigin() {
      var link = document.createElement('a');
      link.href = backend();
      return link.protocol + '//' + link.host;
    }

    function renderPanel() {
      var leadId = currentLead();
      if (!leadId) {
        return;
      }
      self.render_template({
        caption: {class_name: 'rentflow-caption'},
        body: '',
        render: '<div class="rentflow-lcard">' + message('loading', t('panel.loading')) + '</div>'
      });
      workspace({lead_id: leadId}).done(function (answer) {
        $('.rentflow-lcard').html('<div class="rentflow-panel" data-state="' +
          (answer.lease ? 'lease' : 'new') + '">' +
          frame(answer.url, 'display:block;width:100%;height:' + PANEL_HEIGHT + 'px;border:0') +
          '</div>');
      }).fail(function (xhr) {
        $('.rentflow-lcard').html(message('error', refusal(xhr)));
      });
    }

    function renderPage(query) {
      /* a whole page of amoCRM (advanced settings, the left menu's section): its work area */
      var area = $('#work-area-' + self.get_settings().widget_code);
      area.html('<div class="rentflow-advanced">' + message('loading', t('panel.loading')) + '</div>');
      workspace(query).done(function (answer) {
        var top = area.offset() ? Math.round(area.offset().top) : 0;
        area.find('.rentflow-advanced').attr('data-state', 'workspace').html(
          frame(answer.url, 'display:block;width:100%;border:0;height:calc(100vh - ' + top + 'px)'));
      }).fail(function (xhr) {
        area.find('.rentflow-advanced').html(message('error', refusal(xhr)));
      });
    }

    this.callbacks = {
      init: function () {
        return true;
      },
      render: function () {
        if (self.system().area === 'lcard') {
          renderPanel();
        }
        return true;
      },
      bind_actions: function () {
        $(window).off('message.rentflow').on('message.rentflow', fitPanel);
        return true;
      },
      settings: function () {
        return true;
      },
      onSave: function () {
        return true;
      },
      destroy: function () {
        $(window).off('message.rentflow');
        return true;
      },
      dpSettings: function () {
        /* the action's hidden "token" setting: the account's secret, fetched with the
           one-time token and saved with the action; amoCRM sends the action's settings back
           in every digital-pipeline call, which /amocrm/dp checks */
        var input = $('input[name="token"]');
        input.closest('.widget_settings_block__item_field').hide();
        if (input.length && !input.val()) {
          call('/amocrm/widget/dp-token').done(function (data) {
            input.val(data.token).trigger('change');
          });
        }
        return true;
      },
      advancedSettings: function () {
        renderPage({area: 'advanced_settings'});
        return true;
      },
      initMenuPage: function (params) {
        if (params && params.location === 'widget_page') {
          renderPage({area: 'widget_page', page: params.subitem_code || 'leases'});
        }
        return true;
      }
    };
    return this;
  };
});
