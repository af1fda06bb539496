// profile.js: a profile's public page (with the members of a cluster), and its admins'
// view of the draft: the fields as saved, a short edit form, the validation check run
// again after each save, and "Submit for review".
import { api, session, formatDate } from './api.js';
import { navigate } from './app.js';
import { newsSection, imagesSection, imageUrl } from './content.js';
import { h, TYPES, ECOSYSTEMS, SERVICES, LABELS, COMPOSITION, countryName, languageName, label, setTitle, loading, errorPanel, field, showErrors, clearErrors, notice, button, pagination } from './ui.js';

const STATES = { draft: 'Draft', needs_review: 'Waiting for review', published: 'Published', declined: 'Declined' };

function details(p) {
    const rows = [];
    const add = (k, v) => { if (v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && !v.length)) rows.push([k, v]); };
    add('Type', label(TYPES, p.type));
    add('Location', [p.address, p.city, p.region, countryName(p.country)].filter(Boolean).join(', '));
    // only web addresses become links (never javascript: or data:)
    if (p.website) add('Website', /^https?:\/\/[^\s]+$/i.test(p.website) ? h('a', { href: p.website, rel: 'noopener nofollow ugc' }, p.website) : p.website);
    add('Industrial ecosystems', (p.ecosystems || []).map(e => label(ECOSYSTEMS, e)).join(', '));
    add('Services', (p.services || []).map(e => label(SERVICES, e)).join(', '));
    add('Keywords', (p.keywords || []).join(', '));
    add('Languages', (p.languages || []).map(languageName).join(', '));
    add('Number of members', p.members_count != null ? p.members_count.toLocaleString('en-GB') : null);
    if (p.member_composition) add('Members by type', Object.entries(p.member_composition).filter(([, n]) => n > 0).map(([k, n]) => `${label(COMPOSITION, k)}: ${n}`).join(', '));
    add('Cluster management staff', p.management_fte != null ? `${p.management_fte} full-time equivalent` : null);
    add('Founded', p.year_founded);
    if (p.excellence_label && p.excellence_label !== 'none') add('Cluster excellence label', label(LABELS, p.excellence_label));
    if (p.officially_recognised) add('Officially recognised', 'Yes');
    add('Countries of cooperation', (p.cooperation_countries || []).map(countryName).join(', '));
    if (p.contact && p.contact.name) add('Contact person', p.contact.email ? `${p.contact.name} (${p.contact.email})` : p.contact.name);
    add('Published', formatDate(p.published_at));
    return h('dl', { class: 'summary-list' }, rows.map(([k, v]) => h('div', { class: 'summary-list__row' }, h('dt', {}, k), h('dd', {}, v))));
}

function description(text) {
    return (text || '').split(/\n\s*\n/).filter(Boolean).map(par => h('p', {}, par));
}

export async function show(main, { params, query }) {
    const [id] = params;
    main.replaceChildren(loading());
    const s = session();
    let me = null;
    if (s) me = await api('GET', '/v1/me').catch(() => null);
    const ownAdmin = Boolean(me && (me.profiles || []).some(p => p.id === id));
    const admin = me && (me.role === 'moderator' || ownAdmin);
    let p;
    try {
        p = await api('GET', `/v1/profiles/${encodeURIComponent(id)}`);
    } catch (e) {
        setTitle('Profile not found');
        main.replaceChildren(h('h1', {}, e.status === 404 ? 'Profile not found' : 'The profile could not be shown'),
            e.status === 404 ? h('p', {}, 'This profile does not exist or is not published.') : errorPanel(e),
            admin ? h('p', {}, h('a', { href: `/profiles/${encodeURIComponent(id)}/draft` }, 'See the draft')) : null,
            h('p', {}, h('a', { href: '/' }, 'Search the platform')));
        return;
    }
    setTitle(p.name);
    const members = h('section', { class: 'members', 'aria-labelledby': 'members-heading' });
    // a cluster member names the clusters it belongs to (only published ones answer)
    const clusters = (await Promise.all((p.affiliations || []).slice(0, 10).map(c =>
        api('GET', `/v1/profiles/${encodeURIComponent(c)}`).catch(() => null)))).filter(Boolean);
    // the news and the logo fill in as they arrive
    const news = newsSection(id, { admin: ownAdmin, page: Math.max(1, parseInt(query.get('news_page') || '1', 10) || 1) });
    const logo = h('div', { class: 'profile__logo-slot' });
    imageUrl(`/v1/profiles/${encodeURIComponent(id)}/logo`).then(url => {
        if (url) logo.replaceChildren(h('img', { src: url, alt: `Logo of ${p.name}`, class: 'profile__logo' }));
    });
    main.replaceChildren(
        h('article', { class: 'profile' },
            logo,
            h('span', { class: 'caption' }, label(TYPES, p.type)),
            h('h1', {}, p.name, p.acronym ? h('span', { class: 'acronym' }, ` (${p.acronym})`) : null),
            clusters.length ? h('p', { class: 'member-of' }, 'Member of ', clusters.map((c, i) => [i ? ', ' : '', h('a', { href: `/profiles/${encodeURIComponent(c.id)}` }, c.name)]), '.') : null,
            admin ? h('p', {}, h('a', { href: `/profiles/${encodeURIComponent(id)}/draft`, class: 'button button--secondary' }, 'Edit the draft')) : null,
            description(p.description),
            h('h2', {}, 'Details'),
            details(p)),
        news,
        members);
    if (p.type === 'cluster_organisation') await drawMembers(members, id, parseInt(query.get('members_page') || '1', 10) || 1);
    else members.remove();
}

async function drawMembers(section, id, page) {
    let res;
    try {
        res = await api('GET', `/v1/profiles/${encodeURIComponent(id)}/members`, { query: { page, per_page: 20 } });
    } catch (e) {
        section.replaceChildren(h('h2', { id: 'members-heading' }, 'Members'), errorPanel(e));
        return;
    }
    section.replaceChildren(
        h('h2', { id: 'members-heading' }, `Members on the platform (${res.total.toLocaleString('en-GB')})`),
        res.items.length
            ? h('ul', { class: 'list list--members' }, res.items.map(m => h('li', {},
                h('a', { href: `/profiles/${encodeURIComponent(m.id)}` }, m.name), ` – ${[m.city, countryName(m.country)].filter(Boolean).join(', ')}`)))
            : h('p', {}, 'No member has a profile on the platform yet.'),
        pagination(page, res.total, 20, p => `/profiles/${encodeURIComponent(id)}?members_page=${p}`) || '');
}

/* ---- the draft ---- */

const EDITABLE = [
    ['name', 'Name', 'text'],
    ['acronym', 'Acronym', 'text', 'Optional.'],
    ['city', 'City', 'text'],
    ['website', 'Website', 'url', 'The full address, starting with https://'],
    ['description', 'Description', 'textarea', 'What the organisation does and for whom.'],
    ['contact.name', 'Contact person', 'text', 'Shown on the public profile.'],
    ['contact.email', 'Contact person’s e-mail address', 'email', 'Not shown on the public profile: only the admins and the platform team see it.'],
];
const valueOf = (p, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), p);
const CLUSTER_EDITABLE = [
    ['members_count', 'Number of members', 'number', 'At least 15 for a cluster organisation.'],
    ['management_fte', 'Cluster management staff (full-time equivalent)', 'number', 'At least 0.5, for example 1.5.'],
];

export async function draft(main, { params }) {
    const [id] = params;
    if (!session()) {
        navigate(`/sign-in?next=${encodeURIComponent(location.pathname)}`, { replace: true });
        return;
    }
    main.replaceChildren(loading());
    let p, check;
    try {
        [p, check] = await Promise.all([
            api('GET', `/v1/profiles/${encodeURIComponent(id)}`, { query: { version: 'draft' } }),
            api('GET', `/v1/profiles/${encodeURIComponent(id)}/check`),
        ]);
    } catch (e) {
        setTitle('Draft');
        main.replaceChildren(h('h1', {}, 'The draft could not be shown'), errorPanel(e));
        return;
    }
    setTitle(`Draft: ${p.name}`);
    const me = session().user || {};
    if (!(p.admins || []).includes(me.id)) {
        // a moderator reading a draft: what it says and its check, without the edit forms
        const box = h('section', { class: 'check', 'aria-labelledby': 'check-heading' });
        drawCheck(box, check);
        const images = imagesSection(id, { editable: false });
        main.replaceChildren(
            h('span', { class: 'caption' }, `${label(TYPES, p.type)} · ${label(STATES, p.state)}`),
            h('h1', {}, `Draft: ${p.name}`),
            me.role === 'moderator' ? h('p', {}, h('a', { href: '/moderation' }, 'Back to the moderation queue')) : null,
            h('div', { class: 'two-columns' },
                h('div', {}, description(p.description), h('h2', {}, 'Details'), details(p)),
                h('div', {}, box, images)));
        return;
    }
    const checkBox = h('section', { class: 'check', 'aria-labelledby': 'check-heading', 'aria-live': 'polite' });
    drawCheck(checkBox, check);
    const fields = [...EDITABLE, ...(p.type === 'cluster_organisation' ? CLUSTER_EDITABLE : [])];
    const form = h('form', { class: 'form', novalidate: true },
        fields.map(([name, lab, type, hint]) => field({ name, label: lab, type, hint, value: valueOf(p, name) ?? '', attrs: type === 'number' ? { step: 'any', min: '0', inputmode: 'decimal' } : {} })),
        button('Save the draft'));
    const status = h('div', { class: 'status-slot' });
    const submitForm = h('form', { class: 'form' },
        h('h2', {}, 'Submit for review'),
        h('p', {}, 'A moderator checks the profile before it is published. You can still edit it afterwards; an edit makes it a draft again.'),
        button('Submit for review', { disabled: p.state === 'needs_review' }));
    const images = imagesSection(id, { editable: true });
    main.replaceChildren(
        h('span', { class: 'caption' }, `${label(TYPES, p.type)} · ${label(STATES, p.state)}`),
        h('h1', {}, `Draft: ${p.name}`),
        p.has_published_version ? h('p', {}, 'The published version stays public until this draft is published. ', h('a', { href: `/profiles/${encodeURIComponent(id)}` }, 'See the published version')) : h('p', {}, 'This profile has not been published yet.'),
        status,
        h('div', { class: 'two-columns' },
            h('div', {}, h('h2', {}, 'Edit'), form),
            h('div', {}, checkBox, submitForm, images)));
    const stateLine = main.querySelector('.caption');
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        const body = {};
        let contactChanged = false;
        for (const [name, , type] of fields) {
            const v = form.elements[name].value.trim();
            if (String(valueOf(p, name) ?? '') === v) continue;
            if (name.startsWith('contact.')) {
                contactChanged = true;
                continue;
            }
            body[name] = v === '' ? null : type === 'number' ? Number(v) : v;
            if (type === 'number' && v !== '' && !Number.isFinite(Number(v))) {
                showErrors(form, { fields: { [name]: 'must be a number' } });
                return;
            }
        }
        if (contactChanged) {
            const c = { name: form.elements['contact.name'].value.trim(), email: form.elements['contact.email'].value.trim() };
            body.contact = Object.fromEntries(Object.entries(c).filter(([, v]) => v));
        }
        clearErrors(form);
        try {
            p = await api('PATCH', `/v1/profiles/${encodeURIComponent(id)}`, { body });
            drawCheck(checkBox, await api('GET', `/v1/profiles/${encodeURIComponent(id)}/check`));
            stateLine.textContent = `${label(TYPES, p.type)} · ${label(STATES, p.state)}`;
            submitForm.querySelector('button').disabled = p.state === 'needs_review';
            status.replaceChildren(notice('The draft is saved. The check below is up to date.'));
        } catch (e) {
            showErrors(form, e);
        }
    });
    submitForm.addEventListener('submit', async ev => {
        ev.preventDefault();
        clearErrors(submitForm);
        try {
            p = await api('POST', `/v1/profiles/${encodeURIComponent(id)}/submit`);
            stateLine.textContent = `${label(TYPES, p.type || 'cluster_organisation')} · ${label(STATES, p.state || 'needs_review')}`;
            submitForm.querySelector('button').disabled = true;
            const n = notice('The profile is submitted. A moderator will review it; you will find their decision in your notifications.');
            status.replaceChildren(n);
            n.focus();
        } catch (e) {
            showErrors(e.fields ? form : submitForm, e);
        }
    });
}

function drawCheck(box, check) {
    const failing = check.filter(c => !c.ok).length;
    box.replaceChildren(
        h('h2', { id: 'check-heading' }, 'Validation check'),
        h('p', {}, failing ? `${failing} of ${check.length} checks ${failing === 1 ? 'is' : 'are'} not met yet.` : `All ${check.length} checks are met.`),
        h('ul', { class: 'check-list' }, check.map(c => h('li', { class: c.ok ? 'check-list__ok' : 'check-list__fail' },
            h('strong', {}, c.ok ? 'Met: ' : 'Not met: '), c.message))));
}
