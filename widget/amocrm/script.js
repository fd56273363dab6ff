/*
 * rentflow widget for amoCRM: the lead-card panel (lcard-1) with its buttons, the advanced
 * settings page (stage mapping, landlord entities, 1C settings), and the digital-pipeline
 * action settings.
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
        if (!data.lease) {
          /* start the new lease from the tenant amoCRM knows (company, contacts) */
          call('/amocrm/widget/lead/' + encodeURIComponent(leadId) + '/tenant').done(function (found) {
            var box = $('form.rentflow-create textarea[name=lease]');
            if (box.length && !box.val()) {
              box.val(JSON.stringify({tenant: found.tenant}, null, 2));
            }
          });
        }
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

    function pressButton(button, confirmed) {
      var box = button.closest('.rentflow-actions');
      box.find('button').prop('disabled', true);
      call('/amocrm/widget/lead/' + encodeURIComponent(box.data('lead')) + '/action', 'POST',
        {action: button.data('action'), confirm_future: confirmed === true})
        .done(function (answer) {
          // an invoice ahead of its schedule is issued only once the manager confirms
          if (answer.outcome === 'confirm_future' && window.confirm(t('actions.confirm_future'))) {
            pressButton(button, true);
            return;
          }
          renderPanel(t('actions.' + answer.outcome));
        })
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

    var LANDLORD_PATHS = [
      'landlord.name', 'landlord.inn', 'landlord.kpp', 'landlord.ogrn', 'landlord.address',
      'landlord.email', 'landlord.phone', 'landlord.bank.name', 'landlord.bank.bic',
      'landlord.bank.account', 'landlord.bank.corr_account', 'landlord.director.name',
      'landlord.director.position', 'landlord.accountant.name', 'numbering.invoice.prefix',
      'numbering.act.prefix'
    ];
    var landlordItems = {};

    function getPath(obj, path) {
      return path.split('.').reduce(function (node, key) {
        return node && node[key] !== undefined ? node[key] : '';
      }, obj);
    }

    function setPath(obj, path, value) {
      var keys = path.split('.');
      var node = obj;
      keys.slice(0, -1).forEach(function (key) {
        if (!node[key] || typeof node[key] !== 'object') { node[key] = {}; }
        node = node[key];
      });
      node[keys[keys.length - 1]] = value;
    }

    function landlordForm(item) {
      var inputs = LANDLORD_PATHS.map(function (path) {
        return '<label>' + esc(t('landlords.' + path.replace(/\./g, '_'))) +
          ' <input name="' + path + '" value="' + esc(getPath(item, path)) + '"></label>';
      }).join('<br>');
      return '<form class="rentflow-landlord" data-id="' + esc(item.id || '') + '">' + inputs +
        '<br><button type="submit">' + esc(t(item.id ? 'panel.save' : 'landlords.add')) + '</button>' +
        '<span class="rentflow-saved"></span></form>';
    }

    function loadLandlords(box) {
      call('/amocrm/widget/settings/landlords').done(function (data) {
        landlordItems = {};
        (data.landlords || []).forEach(function (item) { landlordItems[item.id] = item; });
        box.html('<h3>' + esc(t('landlords.title')) + '</h3>' +
          (data.landlords || []).map(landlordForm).join('<hr>') + '<hr>' +
          landlordForm({landlord: {bank: {}, director: {name: ''}}, numbering: {}}));
      });
    }

    function saveLandlord(form) {
      var id = form.data('id');
      var body = JSON.parse(JSON.stringify(landlordItems[id] || {}));
      delete body.id;
      form.find('input[name]').each(function () { setPath(body, this.name, this.value.trim()); });
      call('/amocrm/widget/settings/landlords' + (id ? '/' + id : ''), 'POST', body)
        .done(function () {
          if (id) { form.find('.rentflow-saved').text(t('panel.saved')); }
          else { loadLandlords(form.closest('.rentflow-landlords')); }
        })
        .fail(function (xhr) {
          var answer = xhr.responseJSON || {};
          form.find('.rentflow-saved').text(answer.error || t('panel.error'));
        });
    }

    function onecHtml(s) {
      var texts = ['odata_url', 'user', 'accountant_email'].map(function (key) {
        return '<label>' + esc(t('onec.' + key)) + ' <input name="' + key + '" value="' + esc(s[key]) + '"></label>';
      });
      var password = '<label>' + esc(t('onec.password')) + ' <input type="password" name="password" value="" placeholder="' +
        esc(t(s.password_set ? 'onec.password_set' : 'onec.password_not_set')) + '"></label>';
      var flags = ['poll', 'export', 'write_drafts'].map(function (key) {
        return '<label><input type="checkbox" name="' + key + '"' + (s[key] ? ' checked' : '') + '> ' + esc(t('onec.' + key)) + '</label>';
      });
      var days = '<label>' + esc(t('onec.poll_days')) + ' <input type="number" min="1" max="366" name="poll_days" value="' + esc(s.poll_days) + '"></label>';
      return '<h3>' + esc(t('onec.title')) + '</h3><form class="rentflow-onec" data-password-set="' + (s.password_set ? '1' : '0') + '">' +
        texts.concat([password]).concat(flags).concat([days]).join('<br>') +
        '<br><button type="submit">' + esc(t('panel.save')) + '</button><span class="rentflow-saved"></span></form>';
    }

    function loadOnec(box, message) {
      call('/amocrm/widget/settings/onec').done(function (data) {
        box.html(onecHtml(data));
        box.find('.rentflow-saved').text(message || '');
      });
    }

    function saveOnec(form) {
      var body = {poll_days: parseInt(form.find('input[name=poll_days]').val(), 10)};
      form.find('input[name=odata_url], input[name=user], input[name=accountant_email]').each(function () {
        body[this.name] = this.value.trim();
      });
      form.find('input[type=checkbox]').each(function () { body[this.name] = this.checked; });
      var password = form.find('input[name=password]').val();
      if (password) { body.password = password; }
      call('/amocrm/widget/settings/onec', 'POST', body)
        .done(function () { loadOnec(form.closest('.rentflow-onec-area'), t('panel.saved')); })
        .fail(function (xhr) {
          var answer = xhr.responseJSON || {};
          form.find('.rentflow-saved').text(answer.error || t('panel.error'));
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
        $(document).on('submit.rentflow', 'form.rentflow-landlord', function (e) {
          e.preventDefault();
          saveLandlord($(this));
        }).on('submit.rentflow', 'form.rentflow-onec', function (e) {
          e.preventDefault();
          saveOnec($(this));
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
        var area = $('#work-area-' + self.get_settings().widget_code);
        area.html('<div class="rentflow-advanced"><div class="rentflow-mapping-area"></div>' +
          '<div class="rentflow-landlords"></div><div class="rentflow-onec-area"></div></div>');
        call('/amocrm/widget/mapping').done(function (data) {
          area.find('.rentflow-mapping-area').html(mappingHtml(data));
        }).fail(function () {
          area.find('.rentflow-advanced').attr('data-state', 'error')
            .find('.rentflow-mapping-area').text(t('panel.error'));
        });
        loadLandlords(area.find('.rentflow-landlords'));
        loadOnec(area.find('.rentflow-onec-area'));
        return true;
      }
    };
    return this;
  };
});
