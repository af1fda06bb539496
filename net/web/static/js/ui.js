// ui.js: small DOM helpers shared by the pages: element building (text is always set as
// text, never parsed as HTML), the vocabularies' labels, form fields with hints, and the
// error pattern of the GOV.UK Design System (a summary at the top linking to each field,
// and the message repeated beside its field).

export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) {
        if (c === undefined || c === null || c === false) continue;
        el.append(c instanceof Node ? c : String(c));
    }
    return el;
}

export const TYPES = {
    cluster_organisation: 'Cluster organisation', cluster_member: 'Cluster member',
    cluster_partnership: 'Cluster partnership', national_association: 'National association',
    meta_cluster_network: 'Meta-cluster network', policy_institution: 'Policy institution',
    resource_efficiency_provider: 'Resource efficiency provider', training_provider: 'Training provider',
};
export const ECOSYSTEMS = {
    aerospace_defence: 'Aerospace and defence', agri_food: 'Agri-food', construction: 'Construction',
    cultural_creative: 'Cultural and creative industries', digital: 'Digital', electronics: 'Electronics',
    energy_intensive: 'Energy-intensive industries', energy_renewables: 'Renewable energy', health: 'Health',
    mobility_transport_automotive: 'Mobility, transport and automotive',
    proximity_social_economy: 'Proximity and social economy', retail: 'Retail', textile: 'Textile',
    tourism: 'Tourism',
};
export const SERVICES = {
    animation: 'Animation of the cluster', marketing: 'Marketing and promotion', facilities: 'Shared facilities',
    training: 'Training', internationalisation: 'Internationalisation', innovation_support: 'Innovation support',
    access_to_finance: 'Access to finance', matchmaking: 'Matchmaking and partner search',
    market_intelligence: 'Market intelligence', skills: 'Skills development',
};
export const LABELS = { none: 'No label', bronze: 'Bronze label', silver: 'Silver label', gold: 'Gold label' };
export const COMPOSITION = {
    large_companies: 'Large companies', smes: 'SMEs', research: 'Research and education',
    public_bodies: 'Public bodies', civil_society: 'Civil society', other: 'Other',
};
export const OBJECTIVES = {
    market_exploration: 'Market exploration', technology_transfer: 'Technology transfer',
    cluster_management_learning: 'Cluster management learning', joint_projects: 'Joint projects',
    internationalisation: 'Internationalisation', skills_development: 'Skills development',
    policy_learning: 'Policy learning',
};

const regionNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'region' }) : null;
const languageNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'language' }) : null;

export function countryName(code) {
    if (!code) return '';
    if (code === 'none') return 'None';
    try {
        return (regionNames && regionNames.of(code === 'EL' ? 'GR' : code === 'UK' ? 'GB' : code)) || code;
    } catch {
        return code;
    }
}
export function languageName(code) {
    try {
        return (languageNames && languageNames.of(code)) || code;
    } catch {
        return code;
    }
}
export const label = (table, v) => table[v] || v;

// A search snippet: the server escapes the text and marks hits with <mark>; this builds
// the same as DOM nodes without parsing HTML.
export function snippet(s) {
    const out = [];
    const decode = t => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const parts = String(s || '').split(/(<mark>|<\/mark>)/);
    let marked = false;
    for (const p of parts) {
        if (p === '<mark>') marked = true;
        else if (p === '</mark>') marked = false;
        else if (p) out.push(marked ? h('mark', {}, decode(p)) : decode(p));
    }
    return out;
}

export function setTitle(t) {
    document.title = t ? `${t} – Cluster Collaboration Platform` : 'Cluster Collaboration Platform';
}

export function announce(text) {
    const el = document.getElementById('announce');
    if (el) {
        el.textContent = '';
        setTimeout(() => { el.textContent = text; }, 30);
    }
}

let nextId = 0;

// A form group: label, optional hint, the error slot and the control. opts: {name, label,
// hint, type ('text', 'email', 'password', 'textarea', 'select', 'number'), options
// ([[value, text]]), value, autocomplete, required, attrs}.
export function field(opts) {
    const id = opts.id || `f-${opts.name}-${++nextId}`;
    const hintId = opts.hint ? `${id}-hint` : null;
    let control;
    const common = { id, name: opts.name, 'aria-describedby': hintId, autocomplete: opts.autocomplete, ...(opts.attrs || {}) };
    if (opts.type === 'textarea') {
        control = h('textarea', { class: 'input', rows: opts.rows || 5, ...common });
        control.value = opts.value ?? '';
    } else if (opts.type === 'select') {
        control = h('select', { class: 'input', ...common },
            opts.options.map(([v, t]) => h('option', { value: v, selected: String(v) === String(opts.value ?? '') }, t)));
    } else {
        control = h('input', { class: 'input', type: opts.type || 'text', spellcheck: opts.type === 'text' ? 'false' : null, ...common });
        control.value = opts.value ?? '';
    }
    const group = h('div', { class: 'form-group', 'data-field': opts.name },
        h('label', { class: 'label', for: id }, opts.label),
        opts.hint ? h('div', { class: 'hint', id: hintId }, opts.hint) : null,
        h('p', { class: 'error-message', id: `${id}-error`, hidden: true }),
        control);
    group.control = control;
    return group;
}

// Removes the errors a form shows.
export function clearErrors(form) {
    const summary = form.parentNode && form.parentNode.querySelector(':scope > .error-summary');
    if (summary) summary.remove();
    for (const g of form.querySelectorAll('.form-group--error')) {
        g.classList.remove('form-group--error');
        const msg = g.querySelector('.error-message');
        msg.hidden = true;
        msg.textContent = '';
        const c = g.querySelector('.input');
        if (c) {
            c.removeAttribute('aria-invalid');
            c.setAttribute('aria-describedby', (c.getAttribute('aria-describedby') || '').split(' ').filter(x => !x.endsWith('-error')).join(' '));
        }
    }
}

// Shows an error (an ApiError, or {message, fields}) on a form: a summary above it, each
// field's reason beside the field, in the order of the form. names maps API field names
// to the form's field names where they differ; wording maps a field to the sentence to
// show instead of "<label> <the server's reason>" where the form knows better words.
// Moves focus to the summary so it is read out.
export function showErrors(form, err, { names = {}, wording = {} } = {}) {
    clearErrors(form);
    const items = [];
    const groups = [...form.querySelectorAll('.form-group')];
    const fields = Object.entries(err.fields || {}).map(([apiName, reason]) => {
        const name = names[apiName] || apiName;
        const group = form.querySelector(`.form-group[data-field="${CSS.escape(name)}"]`) ||
            form.querySelector(`.form-group[data-field="${CSS.escape(name.split('.')[0])}"]`);
        return [apiName, reason, group];
    }).sort((a, b) => (a[2] ? groups.indexOf(a[2]) : 1e9) - (b[2] ? groups.indexOf(b[2]) : 1e9));
    for (const [apiName, reason, group] of fields) {
        const text = wording[apiName] || `${group ? group.querySelector('.label').textContent : apiName} ${reason}`;
        if (group) {
            group.classList.add('form-group--error');
            const msg = group.querySelector('.error-message');
            msg.hidden = false;
            msg.replaceChildren(h('span', { class: 'visually-hidden' }, 'Error: '), text);
            const c = group.querySelector('.input');
            if (c) {
                c.setAttribute('aria-invalid', 'true');
                c.setAttribute('aria-describedby', `${c.getAttribute('aria-describedby') || ''} ${msg.id}`.trim());
            }
            items.push(h('li', {}, h('a', { href: `#${c ? c.id : ''}`, onclick: ev => { ev.preventDefault(); c && c.focus(); } }, text)));
        } else {
            items.push(h('li', {}, text));
        }
    }
    if (!items.length) items.push(h('li', {}, err.message || 'Something went wrong.'));
    const summary = errorSummary(items);
    form.before(summary);
    summary.focus();
}

export function errorSummary(items) {
    return h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': 'error-summary-title' },
        h('h2', { class: 'error-summary__title', id: 'error-summary-title' }, 'There is a problem'),
        h('ul', { class: 'error-summary__list' }, items));
}

// A page-level message for an error that belongs to no form.
export function errorPanel(err) {
    return errorSummary([h('li', {}, err.message || String(err))]);
}

export function notice(text, kind = 'success') {
    return h('div', { class: `notice notice--${kind}`, role: kind === 'success' ? 'status' : 'alert', tabindex: '-1' }, text);
}

export function button(text, attrs = {}) {
    return h('button', { type: 'submit', class: 'button', ...attrs }, text);
}

export function loading() {
    return h('p', { class: 'loading', role: 'status' }, 'Loading…');
}

// Pagination links for a list: page (1-based), total items, per page, href(page).
export function pagination(page, total, perPage, href) {
    const pages = Math.max(1, Math.ceil(total / perPage));
    if (pages <= 1) return null;
    const items = [];
    if (page > 1) items.push(h('li', { class: 'pagination__prev' }, h('a', { href: href(page - 1), rel: 'prev' }, 'Previous', h('span', { class: 'visually-hidden' }, ' page'))));
    const shown = new Set([1, pages, page - 1, page, page + 1].filter(p => p >= 1 && p <= pages));
    let last = 0;
    for (const p of [...shown].sort((a, b) => a - b)) {
        if (p > last + 1) items.push(h('li', { class: 'pagination__gap' }, '…'));
        items.push(h('li', {}, p === page
            ? h('a', { href: href(p), 'aria-current': 'page', 'aria-label': `Page ${p}` }, String(p))
            : h('a', { href: href(p), 'aria-label': `Page ${p}` }, String(p))));
        last = p;
    }
    if (page < pages) items.push(h('li', { class: 'pagination__next' }, h('a', { href: href(page + 1), rel: 'next' }, 'Next', h('span', { class: 'visually-hidden' }, ' page'))));
    return h('nav', { class: 'pagination', 'aria-label': 'Pages' }, h('ul', {}, items));
}

// Every country code the API accepts (core/data/countries.tsv), for country choosers.
const COUNTRY_CODES = 'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'.split(' ');

// [[code, name]] sorted by name, for a <select>.
export function countryOptions() {
    return COUNTRY_CODES.map(c => [c, countryName(c)]).sort((a, b) => a[1].localeCompare(b[1], 'en'));
}
