// moderation.js: the moderators' queue. Profiles waiting for review, oldest first, each
// with how long it has waited and its validation check, and a decision form: publish,
// request changes or decline, with a note that reaches the profile's admins.
import { api, session, formatAge } from './api.js';
import { navigate } from './app.js';
import { imageFigure } from './content.js';
import { h, TYPES, countryName, label, setTitle, loading, errorPanel, showErrors, notice, button, pagination } from './ui.js';

const DECISIONS = [
    ['publish', 'Publish', 'The profile becomes public and searchable.'],
    ['request_changes', 'Request changes', 'The profile goes back to its admins as a draft; say what to change.'],
    ['decline', 'Decline', 'The profile is not published; say why.'],
];
const DONE = { publish: 'published', request_changes: 'sent back for changes', decline: 'declined' };

export async function render(main, { query }) {
    setTitle('Moderation');
    const s = session();
    if (!s) {
        navigate('/sign-in?next=/moderation', { replace: true });
        return;
    }
    const page = Math.max(1, parseInt(query.get('page') || '1', 10) || 1);
    main.replaceChildren(loading());
    let q;
    try {
        q = await api('GET', '/v1/moderation/queue', { query: { page, per_page: 20 } });
    } catch (e) {
        main.replaceChildren(h('h1', {}, 'Moderation'), errorPanel(e));
        return;
    }
    const status = h('div', { class: 'status-slot' });
    const count = h('p', {});
    let total = q.total;
    const drawCount = () => count.replaceChildren(total === 0 ? 'No profile is waiting for review.' : `${total.toLocaleString('en-GB')} profile${total === 1 ? ' is' : 's are'} waiting for review, the oldest first.`);
    drawCount();
    const list = h('ol', { class: 'queue', start: (page - 1) * 20 + 1 });
    for (const item of q.items) list.append(queueItem(item, queueImages(item), (it, decision) => {
        total--;
        drawCount();
        const n = notice(`${it.name} was ${DONE[decision]}.`);
        status.replaceChildren(n);
        n.focus();
    }));
    main.replaceChildren(h('h1', {}, 'Moderation queue'), status, count, list, pagination(page, q.total, 20, p => `/moderation?page=${p}`) || '');
}

// The draft's logo and contact photo, shown beside it: images are not moderated (a
// published profile shows a new one at once), so the moderator sees what goes with it.
// They fill in as they arrive.
function queueImages(it) {
    const links = it.images || {};
    const wanted = [['logo', 'Logo'], ['contact_photo', 'Contact person’s photo']].filter(([k]) => links[k]);
    if (!wanted.length) return null;
    const box = h('div', { class: 'queue__images' });
    Promise.all(wanted.map(([k, name]) => imageFigure(links[k], name, `${name} of ${it.name}`))).then(figs => box.replaceChildren(...figs));
    return box;
}

function queueItem(it, images, onDone) {
    const failing = (it.check || []).filter(c => !c.ok);
    const crit = (it.check || []).filter(c => !c.criterion.startsWith('field:'));
    const base = `mod-${it.id}`;
    const note = h('textarea', { id: `${base}-note`, name: 'note', class: 'input', rows: 3, 'aria-describedby': `${base}-note-hint` });
    const waive = failing.length && it.type === 'cluster_organisation'
        ? h('div', { class: 'checkbox' },
            h('input', { type: 'checkbox', id: `${base}-waive`, name: 'waive_criteria' }),
            h('label', { for: `${base}-waive` }, 'Publish although criteria are not met (only for an officially recognised cluster)'))
        : null;
    const form = h('form', { class: 'form form--decision', novalidate: true },
        h('div', { class: 'form-group', 'data-field': 'decision' },
            h('fieldset', { class: 'fieldset' }, h('legend', {}, 'Decision'),
                h('span', { class: 'label', hidden: true }, 'Decision'),
                h('p', { class: 'error-message', hidden: true, id: `${base}-decision-error` }),
                DECISIONS.map(([v, text, hint], i) => h('div', { class: 'radio' },
                    h('input', { type: 'radio', id: `${base}-${v}`, name: 'decision', value: v, checked: i === 0 && !failing.length, 'aria-describedby': `${base}-${v}-hint` }),
                    h('label', { for: `${base}-${v}` }, text),
                    h('div', { class: 'hint', id: `${base}-${v}-hint` }, hint))))),
        h('div', { class: 'form-group', 'data-field': 'note' },
            h('label', { class: 'label', for: note.id }, 'Note to the admins'),
            h('div', { class: 'hint', id: `${base}-note-hint` }, 'Sent to the profile’s admins with the decision: a welcome, what to change, or why it is declined.'),
            h('p', { class: 'error-message', hidden: true, id: `${base}-note-error` }),
            note),
        waive ? h('div', { class: 'form-group', 'data-field': 'waive_criteria' }, h('span', { class: 'label', hidden: true }, 'Waiving the criteria'), h('p', { class: 'error-message', hidden: true }), waive) : null,
        button('Send the decision', { 'aria-describedby': `${base}-name` }));
    const li = h('li', { class: 'queue__item' },
        h('h2', { class: 'queue__name', id: `${base}-name` }, h('a', { href: `/profiles/${encodeURIComponent(it.id)}/draft` }, it.name)),
        h('p', { class: 'queue__meta' }, `${label(TYPES, it.type)} · ${countryName(it.country)} · waiting ${formatAge(it.age_seconds)}${it.republication ? ' · an edit of a published profile' : ''}`),
        h('details', { class: 'queue__check', open: failing.length > 0 },
            h('summary', {}, failing.length ? `${failing.length} check${failing.length === 1 ? '' : 's'} not met` : `All ${crit.length ? 'criteria and ' : ''}mandatory fields are met`),
            h('ul', { class: 'check-list' }, (it.check || []).map(c => h('li', { class: c.ok ? 'check-list__ok' : 'check-list__fail' }, h('strong', {}, c.ok ? 'Met: ' : 'Not met: '), c.message)))),
        images,
        form);
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        const picked = form.querySelector('input[name=decision]:checked');
        if (!picked) return showErrors(form, { fields: { decision: 'missing' } }, { wording: { decision: 'Choose publish, request changes or decline' } });
        const body = { decision: picked.value, note: note.value.trim() };
        if (waive && waive.querySelector('input').checked) body.waive_criteria = true;
        if (body.decision !== 'publish' && !body.note) return showErrors(form, { fields: { note: 'missing' } }, { wording: { note: 'Tell the admins what to change, or why the profile is declined' } });
        try {
            await api('POST', `/v1/profiles/${encodeURIComponent(it.id)}/moderation`, { body });
            li.remove();
            onDone(it, body.decision);
        } catch (e) {
            showErrors(form, e);
        }
    });
    return li;
}
