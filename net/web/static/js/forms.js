// forms.js: what the pages of partner search, events and ClusterXchange share: a summary
// list of facts, a form that posts to the API and shows its errors beside the fields
// (ui.js's GOV.UK pattern), a checkbox group for a vocabulary, and dates for inputs.
import { h, field, showErrors, clearErrors, button, notice } from './ui.js';

export function summaryList(rows) {
    return h('dl', { class: 'summary-list' }, rows.filter(r => r && r[1] !== undefined && r[1] !== null && r[1] !== '')
        .map(([k, ...v]) => h('div', { class: 'summary-list__row' }, h('dt', {}, k), h('dd', {}, v))));
}

// A group of checkboxes for a vocabulary ({value: text}); value() gives the ticked ones.
export function checkboxes(name, legend, table, chosen = [], hint) {
    const idBase = `cb-${name}-${Math.random().toString(36).slice(2, 7)}`;
    const group = h('div', { class: 'form-group', 'data-field': name },
        h('fieldset', { class: 'fieldset' }, h('legend', { class: 'label' }, legend),
            hint ? h('div', { class: 'hint' }, hint) : null,
            h('p', { class: 'error-message', id: `${idBase}-error`, hidden: true }),
            h('div', { class: 'checkbox-columns' }, Object.entries(table).map(([v, t], i) => h('div', { class: 'checkbox' },
                h('input', { type: 'checkbox', id: `${idBase}-${i}`, name, value: v, checked: chosen.includes(v) }),
                h('label', { for: `${idBase}-${i}` }, t))))));
    group.value = () => [...group.querySelectorAll('input:checked')].map(i => i.value);
    return group;
}

// A form of fields; onSubmit(values, form) returns a promise; an ApiError it throws is
// shown on the form. fields: field() groups or checkboxes() groups (value() read).
export function apiForm({ fields, submit, onSubmit, secondary, names, wording, cls = 'form' }) {
    const form = h('form', { class: cls, novalidate: true }, fields, h('div', { class: 'button-group' }, button(submit), secondary || null));
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        const values = {};
        for (const g of fields) {
            if (!g || !g.dataset) continue;
            const name = g.dataset.field;
            if (g.value instanceof Function) values[name] = g.value();
            else if (g.control) values[name] = g.control.type === 'checkbox' ? g.control.checked : g.control.value.trim();
        }
        const btn = form.querySelector('button[type=submit]');
        btn.disabled = true;
        try {
            clearErrors(form);
            await onSubmit(values, form);
        } catch (e) {
            if (e && e.name === 'AbortError') return;
            showErrors(form, e, { names, wording });
        } finally {
            btn.disabled = false;
        }
    });
    return form;
}

// A button that calls the API; its error or its result is shown in the status slot.
export function actionButton(text, run, status, { secondary = false } = {}) {
    const b = h('button', { type: 'button', class: secondary ? 'button button--secondary' : 'button' }, text);
    b.addEventListener('click', async () => {
        b.disabled = true;
        try {
            const msg = await run();
            if (msg && status) {
                const n = notice(msg);
                status.replaceChildren(n);
                n.focus();
            }
        } catch (e) {
            if (status) {
                const n = notice(e.message || String(e), 'error');
                status.replaceChildren(n);
                n.focus();
            }
        } finally {
            b.disabled = false;
        }
    });
    return b;
}

// "2027-05-31" from an RFC 3339 time or a date; '' when there is none.
export function dateInput(t) {
    return t ? String(t).slice(0, 10) : '';
}
// "2027-05-31T09:00" for <input type=datetime-local> from an RFC 3339 UTC time.
export function dateTimeInput(t) {
    return t ? String(t).slice(0, 16) : '';
}
// An RFC 3339 UTC time from <input type=datetime-local> (read as UTC, as the pages show).
export function fromDateTimeInput(v) {
    if (!v) return '';
    return v.length === 16 ? `${v}:00Z` : v.endsWith('Z') ? v : `${v}Z`;
}

export function formatDateTime(t) {
    if (!t) return '';
    const d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
    if (isNaN(d.getTime())) return '';
    return d.toLocaleString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }) + ' UTC';
}

export { field };

// main.replaceChildren without the empty parts (null, false, '' stand for "nothing here").
export function fill(el, ...parts) {
    el.replaceChildren(...parts.flat(Infinity).filter(x => x !== null && x !== undefined && x !== false && x !== ''));
}
