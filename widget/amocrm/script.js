/*
 * rentflow widget for amoCRM: the lead-card panel (lcard-1) with its buttons, the advanced
 * settings page with the stage mapping, and the digital-pipeline action settings.
 *
 * Callbacks and helpers (render_template, i18n, get_settings, system, $authorizedAjax) follow
 * amoCRM's widget SDK: https://www.amocrm.ru/developers/content/integrations/script_js and
 * https://developers.kommo.com/docs/one-time-tokens ($authorizedAjax adds X-Auth-Token).
 */
define(['jquery'], function ($) {
  'use strict';

  var DEFAULT_BACKEND = '__RENTFLOW_BASE_URL__';

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

    function call(path, method, body) {
      return self.$authorizedAjax({
        url: backend() + path,
        method: method || 'GET',
        contentType: 'application/json',
        data: body ? JSON.stringify(body) : undefined,
        dataType: 'json'
      });
    }

    var ACTIONS = ['issue_next_invoice', 'issue_act', 'resend_documents', 'mark_original_received'];

    function actionsHtml(leadId, message) {
      return '<div class="rentflow-actions" data-lead="' + esc(leadId) + '">' +
        ACTIONS.map(function (action) {
          return '<button type="button" data-action="' + action + '">' + esc(t('actions.' + action)) + '</button>';
        }).join(' ') +
        '<div class="rentflow-action-result">' + esc(message || '') + '</div></div>';
    }

    function panelHtml(data, message) {
      if (!data.lease) {
        return '<div class="rentflow-panel" data-state="empty">' + esc(t('panel.no_lease')) +
          '<form class="rentflow-create" data-lead="' + esc(data.deal_id) + '">' +
          '<textarea name="lease" rows="8" placeholder="' + esc(t('panel.lease_json')) + '"></textarea>' +
          '<button type="submit">' + esc(t('panel.create')) + '</button>' +
          '<span class="rentflow-error"></span></form></div>';
      }
      var lease = data.lease;
      var docs = (data.documents || []).map(function (d) {
        var label = esc(d.kind) + ' ' + esc(d.number) + ' — ' + esc(d.total) + ' (' + esc(d.status) + ')';
        return '<li>' + (d.url ? '<a target="_blank" href="' + esc(d.url) + '">' + label + '</a>' : label) + '</li>';
      }).join('');
      var schedule = (data.schedule || []).slice(0, 6).map(function (item) {
        return '<li>' + esc(item.kind) + ' ' + esc(item.period[0]) + ' — ' + esc(item.period[1]) +
          ': ' + esc(item.total) + ' (' + esc(item.issue_on) + ')</li>';
      }).join('');
      var payments = (data.payments || []).map(function (p) {
        return '<li>' + esc(p.amount) + (p.invoice_id ? ' → #' + esc(p.invoice_id) : '') + '</li>';
      }).join('');
      var flags = (data.attention || []).map(function (f) {
        return '<li data-rule="' + esc(f.rule) + '">' + esc(f.detail || f.rule) + '</li>';
      }).join('');
      return '<div class="rentflow-panel" data-state="lease">' +
        '<div><b>' + esc(t('panel.lease')) + ':</b> <span class="rentflow-number">' + esc(lease.number) + '</span></div>' +
        '<div><b>' + esc(t('panel.status')) + ':</b> <span class="rentflow-status">' + esc(lease.effective_status) + '</span></div>' +
        '<div><b>' + esc(t('panel.period')) + ':</b> ' + esc(lease.start) + ' — ' + esc(lease.end) + '</div>' +
        '<div><b>' + esc(t('panel.debt')) + ':</b> <span class="rentflow-debt">' + esc(data.debt) + '</span></div>' +
        (flags ? '<div><b>' + esc(t('panel.attention')) + ':</b><ul class="rentflow-attention">' + flags + '</ul></div>' : '') +
        '<div><b>' + esc(t('panel.schedule')) + ':</b><ul class="rentflow-schedule">' + schedule + '</ul></div>' +
        '<div><b>' + esc(t('panel.documents')) + ':</b><ul class="rentflow-documents">' + docs + '</ul></div>' +
        '<div><b>' + esc(t('panel.payments')) + ':</b><ul class="rentflow-payments">' + payments + '</ul></div>' +
        actionsHtml(data.deal_id, message) +
        '</div>';
    }

    function renderPanel(message) {
      var leadId = window.AMOCRM && AMOCRM.data && AMOCRM.data.current_card ? AMOCRM.data.current_card.id : null;
      if (!leadId) {
        return;
      }
      call('/amocrm/widget/lead/' + encodeURIComponent(leadId)).done(function (data) {
        self.render_template({
          caption: {class_name: 'rentflow-caption'},
          body: '',
          render: panelHtml(data, message)
        });
      }).fail(function () {
        self.render_template({
          caption: {class_name: 'rentflow-caption'},
          body: '',
          render: '<div class="rentflow-panel" data-state="error">' + esc(t('panel.error')) + '</div>'
        });
      });
    }

    function createLease(form) {
      var body;
      try {
        body = JSON.parse(form.find('textarea[name=lease]').val());
      } catch (err) {
        form.find('.rentflow-error').text(String(err));
        return;
      }
      call('/amocrm/widget/lead/' + encodeURIComponent(form.data('lead')) + '/lease', 'POST', body)
        .done(function () { renderPanel(); })
        .fail(function (xhr) {
          var answer = xhr.responseJSON || {};
          form.find('.rentflow-error').text(answer.error || t('panel.error'));
        });
    }

    function pressButton(button) {
      var box = button.closest('.rentflow-actions');
      box.find('button').prop('disabled', true);
      call('/amocrm/widget/lead/' + encodeURIComponent(box.data('lead')) + '/action', 'POST',
        {action: button.data('action')})
        .done(function (answer) { renderPanel(t('actions.' + answer.outcome)); })
        .fail(function (xhr) {
          var answer = xhr.responseJSON || {};
          box.find('button').prop('disabled', false);
          box.find('.rentflow-action-result').text(answer.error || t('panel.error'));
        });
    }

    function mappingHtml(data) {
      return (data.pipelines || []).map(function (p) {
        var rows = p.statuses.map(function (s) {
          var options = ['<option value="">' + esc(t('panel.not_mapped')) + '</option>'].concat(
            data.lease_statuses.map(function (value) {
              var selected = p.mapping[s.id] === value ? ' selected' : '';
              return '<option value="' + esc(value) + '"' + selected + '>' + esc(value) + '</option>';
            })).join('');
          return '<tr><td>' + esc(s.name) + '</td><td><select data-status="' + esc(s.id) + '">' + options + '</select></td></tr>';
        }).join('');
        var events = data.lease_events.map(function (ev) {
          var options = ['<option value="">' + esc(t('panel.not_mapped')) + '</option>'].concat(
            p.statuses.map(function (s) {
              var selected = p.events[ev] === s.id ? ' selected' : '';
              return '<option value="' + esc(s.id) + '"' + selected + '>' + esc(s.name) + '</option>';
            })).join('');
          return '<tr><td>' + esc(ev) + '</td><td><select data-event="' + esc(ev) + '">' + options + '</select></td></tr>';
        }).join('');
        return '<form class="rentflow-mapping" data-pipeline="' + esc(p.id) + '"><h3>' + esc(p.name) + '</h3>' +
          '<table>' + rows + '</table><h4>' + esc(t('panel.events')) + '</h4><table>' + events + '</table>' +
          '<button type="submit">' + esc(t('panel.save')) + '</button><span class="rentflow-saved"></span></form>';
      }).join('');
    }

    function saveMapping(form) {
      var body = {pipeline_id: form.data('pipeline'), statuses: {}, events: {}};
      form.find('select[data-status]').each(function () {
        if (this.value) { body.statuses[$(this).data('status')] = this.value; }
      });
      form.find('select[data-event]').each(function () {
        if (this.value) { body.events[$(this).data('event')] = String(this.value); }
      });
      call('/amocrm/widget/mapping', 'POST', body).done(function () {
        form.find('.rentflow-saved').text(t('panel.saved'));
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
        $(document).off('submit.rentflow').on('submit.rentflow', 'form.rentflow-mapping', function (e) {
          e.preventDefault();
          saveMapping($(this));
        }).on('submit.rentflow', 'form.rentflow-create', function (e) {
          e.preventDefault();
          createLease($(this));
        });
        $(document).off('click.rentflow').on('click.rentflow', '.rentflow-actions button[data-action]', function (e) {
          e.preventDefault();
          pressButton($(this));
        });
        return true;
      },
      settings: function () {
        return true;
      },
      onSave: function () {
        return true;
      },
      destroy: function () {
        $(document).off('submit.rentflow click.rentflow');
      },
      dpSettings: function () {
        return true;
      },
      advancedSettings: function () {
        var area = $('#work-area-' + self.get_settings().widget_code);
        call('/amocrm/widget/mapping').done(function (data) {
          area.html('<div class="rentflow-advanced">' + mappingHtml(data) + '</div>');
        }).fail(function () {
          area.html('<div class="rentflow-advanced" data-state="error">' + esc(t('panel.error')) + '</div>');
        });
        return true;
      }
    };
    return this;
  };
});
