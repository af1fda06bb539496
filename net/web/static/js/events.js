// events.js: the agenda of events (/events?from=&to=&kind=&ecosystem=), an event's page,
// the organiser's form to create (/events/new) or edit one, and for matchmaking events
// (/events/ID/matchmaking): applying with a profile, the organiser's participants with
// accept/reject, slots and tables, meeting requests, the scheduler's run and result; and a
// participant's agenda (/events/ID/agenda?participant=PID) with its iCalendar download.
import { api, apiBlob, session, formatDate } from './api.js';
import { navigate } from './app.js';
import { h, countryName, label, ECOSYSTEMS, setTitle, loading, errorPanel, notice, pagination } from './ui.js';
import { fill, summaryList, checkboxes, apiForm, actionButton, dateInput, dateTimeInput, fromDateTimeInput, formatDateTime, field } from './forms.js';

export const KINDS = { matchmaking: 'Matchmaking event', webinar: 'Webinar', conference: 'Conference', workshop: 'Workshop', other: 'Other' };
const PSTATES = { applied: 'Applied', accepted: 'Accepted', rejected: 'Not accepted' };
const RSTATES = { pending: 'Waiting for an answer', accepted: 'Accepted', declined: 'Declined' };

const enc = encodeURIComponent;
const heading = (text, sub) => [sub ? h('span', { class: 'caption' }, sub) : null, h('h1', {}, text)];

function when(ev) {
    const a = formatDateTime(ev.starts_at), b = formatDateTime(ev.ends_at);
    return dateInput(ev.starts_at) === dateInput(ev.ends_at) ? `${a} to ${String(ev.ends_at).slice(11, 16)} UTC` : `${a} to ${b}`;
}

export async function list(main, { query }) {
    setTitle('Events');
    const page = Math.max(1, parseInt(query.get('page') || '1', 10) || 1);
    const f = { from: query.get('from') || '', to: query.get('to') || '', kind: query.get('kind') || '', ecosystem: query.get('ecosystem') || '' };
    fill(main, ...heading('Events'), loading());
    let res, err = null;
    try {
        // "to" is a day: events starting until its end
        const to = /^\d{4}-\d{2}-\d{2}$/.test(f.to) ? `${f.to}T23:59:59Z` : f.to;
        res = await api('GET', '/v1/events', { query: { from: f.from, to, kind: f.kind, ecosystem: f.ecosystem, page, per_page: 20 } });
    } catch (e) {
        err = e;
    }
    const filters = h('form', { class: 'filters-row', role: 'search', 'aria-label': 'Filter events' },
        field({ name: 'from', label: 'From', type: 'date', value: f.from }),
        field({ name: 'to', label: 'To', type: 'date', value: f.to }),
        field({ name: 'kind', label: 'Kind', type: 'select', value: f.kind, options: [['', 'Any kind'], ...Object.entries(KINDS)] }),
        field({ name: 'ecosystem', label: 'Industrial ecosystem', type: 'select', value: f.ecosystem, options: [['', 'Any ecosystem'], ...Object.entries(ECOSYSTEMS)] }),
        h('div', { class: 'form-group' }, h('button', { type: 'submit', class: 'button' }, 'Show events')));
    filters.addEventListener('submit', ev => {
        ev.preventDefault();
        const q = new URLSearchParams();
        for (const k of ['from', 'to', 'kind', 'ecosystem']) {
            const v = filters.elements[k].value;
            if (v) q.set(k, v);
        }
        navigate(`/events${q.toString() ? '?' + q : ''}`);
    });
    const body = err ? [errorPanel(err)] : [
        h('h2', { id: 'events-count' }, `${res.total.toLocaleString('en-GB')} event${res.total === 1 ? '' : 's'}`),
        res.items.length ? h('ol', { class: 'results__list', 'aria-labelledby': 'events-count' }, res.items.map(ev => h('li', { class: 'result' },
            h('h3', { class: 'result__title' }, h('a', { href: `/events/${enc(ev.id)}` }, ev.title)),
            h('p', { class: 'result__meta' }, [label(KINDS, ev.kind), when(ev), ev.virtual ? 'Online' : ev.location].filter(Boolean).join(' · ')),
            h('p', { class: 'result__snippet' }, `Organised by ${ev.profile.name} (${countryName(ev.profile.country)})`))))
            : h('p', {}, 'No event matches these filters.'),
        pagination(page, res.total, 20, p => { const q = new URLSearchParams(location.search); q.set('page', p); return `/events?${q}`; }) || ''];
    fill(main, ...heading('Events'),
        h('p', {}, 'Conferences, webinars, workshops and matchmaking events of the platform\'s clusters, soonest first.'),
        session() ? h('p', {}, h('a', { href: '/events/new', class: 'button button--secondary' }, 'Add an event')) : null,
        filters, ...body);
}

async function myProfiles() {
    if (!session()) return [];
    try {
        return (await api('GET', '/v1/me')).profiles || [];
    } catch {
        return [];
    }
}

export async function show(main, { params, query }) {
    const [id] = params;
    if (id === 'new') return editor(main, null);
    setTitle('Event');
    fill(main, loading());
    let ev;
    try {
        ev = await api('GET', `/v1/events/${enc(id)}`);
    } catch (e) {
        fill(main, ...heading('Event'), errorPanel(e));
        return;
    }
    setTitle(ev.title);
    const mine = (await myProfiles()).some(p => p.id === ev.profile.id);
    const status = query.get('saved') ? notice('The event was saved.') : null;
    fill(main, ...heading(ev.title, label(KINDS, ev.kind)), status || '',
        ev.on_agenda === false ? notice(`This event is not on the agenda yet: ${ev.agenda_reason || 'its organiser is not published'}.`, 'error') : '',
        summaryList([
            ['When', when(ev)],
            ['Where', ev.virtual ? `Online${ev.location ? ` (${ev.location})` : ''}` : ev.location],
            ['Organised by', h('a', { href: `/profiles/${enc(ev.profile.id)}` }, ev.profile.name), ` (${countryName(ev.profile.country)})`],
            ['Industrial ecosystems', (ev.ecosystems || []).map(e => label(ECOSYSTEMS, e)).join(', ')],
            ev.kind === 'matchmaking' ? ['Meeting slots', ev.slots && ev.slots.length ? `${ev.slots.length} slots at ${ev.tables} tables` : 'Not set yet'] : null,
        ]),
        h('h2', {}, 'About the event'), ...String(ev.description || '').split(/\n{2,}/).map(p => h('p', { class: 'prose' }, p)),
        h('div', { class: 'button-group' },
            ev.kind === 'matchmaking' ? h('a', { class: 'button', href: `/events/${enc(id)}/matchmaking` }, mine ? 'Run the matchmaking' : 'Matchmaking: apply and meet') : null,
            mine ? h('a', { class: 'button button--secondary', href: `/events/${enc(id)}/edit` }, 'Edit the event') : null));
    if (status) status.focus();
}

export async function edit(main, { params }) {
    fill(main, loading());
    try {
        const ev = await api('GET', `/v1/events/${enc(params[0])}`);
        return editor(main, ev);
    } catch (e) {
        fill(main, ...heading('Edit the event'), errorPanel(e));
    }
}

async function editor(main, ev) {
    const title = ev ? 'Edit the event' : 'Add an event';
    setTitle(title);
    if (!session()) {
        navigate(`/sign-in?next=${enc(location.pathname)}`, { replace: true });
        return;
    }
    fill(main, loading());
    const profiles = (await myProfiles()).filter(p => p.state === 'published' || p.has_published_version);
    if (!ev && !profiles.length) {
        fill(main, ...heading(title), h('p', {}, 'Events are organised by a published profile you administer; you administer none.'));
        return;
    }
    const fields = [
        ev ? null : field({ name: 'profile_id', label: 'Organised by', type: 'select', options: profiles.map(p => [p.id, p.name]) }),
        field({ name: 'title', label: 'Title', value: ev ? ev.title : '' }),
        field({ name: 'kind', label: 'Kind', type: 'select', value: ev ? ev.kind : 'conference', options: Object.entries(KINDS) }),
        field({ name: 'starts_at', label: 'Starts (UTC)', type: 'datetime-local', value: ev ? dateTimeInput(ev.starts_at) : '' }),
        field({ name: 'ends_at', label: 'Ends (UTC)', type: 'datetime-local', value: ev ? dateTimeInput(ev.ends_at) : '' }),
        field({ name: 'location', label: 'Location', hint: 'The venue and city, or the online platform.', value: ev ? ev.location : '' }),
        field({ name: 'virtual', label: 'Online event', type: 'select', value: ev && ev.virtual ? 'yes' : 'no', options: [['no', 'No, it takes place at the location'], ['yes', 'Yes, it is online']] }),
        field({ name: 'description', label: 'Description', type: 'textarea', rows: 6, value: ev ? ev.description : '' }),
        checkboxes('ecosystems', 'Industrial ecosystems', ECOSYSTEMS, ev ? ev.ecosystems || [] : []),
    ].filter(Boolean);
    const form = apiForm({
        fields, submit: ev ? 'Save the event' : 'Add the event',
        onSubmit: async v => {
            const body = { ...v, virtual: v.virtual === 'yes', starts_at: fromDateTimeInput(v.starts_at), ends_at: fromDateTimeInput(v.ends_at) };
            const saved = ev ? await api('PATCH', `/v1/events/${enc(ev.id)}`, { body }) : await api('POST', '/v1/events', { body });
            navigate(`/events/${enc(saved.id)}?saved=1`);
        },
    });
    fill(main, ...heading(title, ev ? ev.title : null), form);
}

// ---- matchmaking ----
export async function matchmaking(main, { params, query }) {
    const [id] = params;
    setTitle('Matchmaking');
    fill(main, loading());
    let ev;
    try {
        ev = await api('GET', `/v1/events/${enc(id)}`);
    } catch (e) {
        fill(main, ...heading('Matchmaking'), errorPanel(e));
        return;
    }
    setTitle(`Matchmaking – ${ev.title}`);
    const redraw = msg => matchmaking(main, { params, query }).then(() => {
        if (!msg) return;
        const n = notice(msg);
        main.querySelector('.status-slot').replaceChildren(n);
        n.focus();
    });
    const status = h('div', { class: 'status-slot' });
    const parts = [...heading('Matchmaking', ev.title), status,
        h('p', {}, h('a', { href: `/events/${enc(id)}` }, `About ${ev.title}`), ` · ${when(ev)}`)];
    if (!session()) {
        parts.push(h('p', {}, h('a', { href: `/sign-in?next=${enc(location.pathname)}` }, 'Sign in'), ' to apply with your organisation and ask for meetings.'));
        fill(main, ...parts);
        return;
    }
    const profiles = await myProfiles();
    const organiser = profiles.some(p => p.id === ev.profile.id);
    let people = { items: [] };
    try {
        people = await api('GET', `/v1/events/${enc(id)}/participants`);
    } catch (e) {
        parts.push(errorPanel(e));
    }
    const nameOf = pid => (people.items.find(p => p.profile_id === pid) || {}).name || profiles.find(p => p.id === pid)?.name || 'A participant';
    const slotText = i => ev.slots && ev.slots[i] ? `Slot ${i + 1}: ${String(ev.slots[i].starts_at).slice(11, 16)} to ${String(ev.slots[i].ends_at).slice(11, 16)} UTC` : `Slot ${i + 1}`;
    const mineIn = people.items.filter(p => profiles.some(m => m.id === p.profile_id));

    // applying
    const canApply = profiles.filter(p => p.state === 'published' && !people.items.some(x => x.profile_id === p.id) && p.id !== ev.profile.id);
    if (canApply.length)
        parts.push(h('h2', {}, 'Apply to take part'), apiForm({
            fields: [field({ name: 'profile_id', label: 'Take part as', type: 'select', options: canApply.map(p => [p.id, p.name]) })],
            submit: 'Apply',
            onSubmit: async v => {
                await api('POST', `/v1/events/${enc(id)}/participants`, { body: v });
                await redraw('The application was sent to the organiser; it waits for their decision.');
            },
        }));

    // my participations: requests, agenda
    for (const me of mineIn) parts.push(await participantPart(ev, me, people, nameOf, slotText, status, redraw));

    if (organiser) parts.push(await organiserPart(ev, people, nameOf, slotText, status, redraw));
    else if (!mineIn.length && !canApply.length)
        parts.push(h('p', {}, 'Only admins of a published profile can take part in a matchmaking event.'));
    fill(main, ...parts);
}

async function participantPart(ev, me, people, nameOf, slotText, status, redraw) {
    const id = enc(ev.id);
    const sec = h('section', { class: 'panel', 'aria-label': `Taking part as ${me.name}` }, h('h2', {}, `Taking part as ${me.name}`),
        h('p', {}, `State of the application: ${label(PSTATES, me.state)}.`));
    if (me.state !== 'accepted') return sec;
    sec.append(h('p', {}, h('a', { href: `/events/${id}/agenda?participant=${enc(me.profile_id)}` }, 'Your agenda of meetings')));
    let reqs = { items: [] };
    try {
        reqs = await api('GET', `/v1/events/${id}/meeting-requests`, { query: { participant: me.profile_id } });
    } catch (e) {
        sec.append(errorPanel(e));
    }
    const others = people.items.filter(p => p.state === 'accepted' && p.profile_id !== me.profile_id);
    if (others.length)
        sec.append(h('h3', {}, 'Ask for a meeting'), apiForm({
            fields: [
                field({ name: 'to', label: 'Meet with', type: 'select', options: others.map(p => [p.profile_id, p.name || 'A participant']) }),
                field({ name: 'priority', label: 'Priority', type: 'select', value: '2', options: [['1', '1 – must meet'], ['2', '2 – would like to meet'], ['3', '3 – if there is time']] }),
            ],
            submit: 'Send the meeting request',
            onSubmit: async v => {
                await api('POST', `/v1/events/${id}/meeting-requests`, { body: { from: me.profile_id, to: v.to, priority: Number(v.priority) } });
                await redraw(`The meeting request was sent to ${nameOf(v.to)}.`);
            },
        }));
    const incoming = reqs.items.filter(r => r.to === me.profile_id).sort((a, b) => (b.state === 'pending') - (a.state === 'pending'));
    const outgoing = reqs.items.filter(r => r.from === me.profile_id);
    sec.append(h('h3', {}, `Requests to meet you (${incoming.length})`), incoming.length ? h('ul', { class: 'requests' }, incoming.map(r => {
        const li = h('li', { class: 'request' }, h('p', {}, h('strong', {}, nameOf(r.from)), ` – priority ${r.priority}, ${label(RSTATES, r.state)}${r.slot !== null && r.slot !== undefined ? `, ${slotText(r.slot)}` : ''}`));
        if (r.state === 'pending') {
            const slotField = field({ name: 'slot', label: 'Fix a slot (optional)', type: 'select', options: [['', 'Let the scheduler choose'], ...(ev.slots || []).map((_, i) => [String(i), slotText(i)])] });
            const f = apiForm({
                cls: 'form form--inline', fields: [slotField], submit: 'Accept',
                onSubmit: async v => {
                    const body = { decision: 'accept' };
                    if (v.slot !== '') body.slot = Number(v.slot);
                    await api('POST', `/v1/events/${enc(ev.id)}/meeting-requests/${enc(r.id)}`, { body });
                    await redraw(`You accepted the meeting with ${nameOf(r.from)}.`);
                },
                secondary: actionButton('Decline', async () => {
                    await api('POST', `/v1/events/${enc(ev.id)}/meeting-requests/${enc(r.id)}`, { body: { decision: 'decline' } });
                    await redraw(`You declined the meeting with ${nameOf(r.from)}.`);
                }, status, { secondary: true }),
            });
            li.append(f);
        }
        return li;
    })) : h('p', {}, 'None yet.'));
    sec.append(h('h3', {}, `Your requests (${outgoing.length})`), outgoing.length ? h('ul', { class: 'list' }, outgoing.map(r =>
        h('li', {}, `${nameOf(r.to)} – priority ${r.priority}, ${label(RSTATES, r.state)}`))) : h('p', {}, 'None yet.'));
    return sec;
}

async function organiserPart(ev, people, nameOf, slotText, status, redraw) {
    const id = enc(ev.id);
    const sec = h('section', { 'aria-labelledby': 'org-heading' }, h('h2', { id: 'org-heading' }, 'For the organiser'));
    // participants
    const rows = people.items.map(p => h('tr', {},
        h('th', { scope: 'row' }, h('a', { href: `/profiles/${enc(p.profile_id)}` }, p.name || 'A profile')),
        h('td', {}, label(PSTATES, p.state)),
        h('td', {}, p.state === 'applied' ? h('div', { class: 'button-group button-group--tight' },
            actionButton('Accept', async () => { await api('POST', `/v1/events/${id}/participants/${enc(p.profile_id)}/decision`, { body: { decision: 'accept' } }); await redraw(`${p.name} was accepted.`); }, status),
            actionButton('Reject', async () => { await api('POST', `/v1/events/${id}/participants/${enc(p.profile_id)}/decision`, { body: { decision: 'reject' } }); await redraw(`${p.name} was not accepted.`); }, status, { secondary: true }))
            : p.state === 'accepted' ? h('a', { href: `/events/${id}/agenda?participant=${enc(p.profile_id)}` }, 'Agenda', h('span', { class: 'visually-hidden' }, ` of ${p.name || 'this participant'}`)) : '')));
    const applied = people.items.filter(p => p.state === 'applied').length;
    sec.append(h('h3', { id: 'participants-heading' }, `Participants (${people.items.length}, ${applied} waiting for a decision)`),
        people.items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'aria-labelledby': 'participants-heading' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Organisation'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
            h('tbody', {}, rows))) : h('p', {}, 'Nobody has applied yet.'));
    // slots and tables
    const first = ev.slots && ev.slots[0];
    const minutes = first ? Math.round((Date.parse(first.ends_at) - Date.parse(first.starts_at)) / 60000) : 20;
    sec.append(h('h3', {}, 'Slots and tables'),
        h('p', {}, ev.slots && ev.slots.length ? `${ev.slots.length} slots of ${minutes} minutes from ${formatDateTime(first.starts_at)}, at ${ev.tables} tables.` : 'No slots yet.'),
        apiForm({
            fields: [
                field({ name: 'first', label: 'First slot starts (UTC)', type: 'datetime-local', value: dateTimeInput(first ? first.starts_at : ev.starts_at) }),
                field({ name: 'minutes', label: 'Minutes per meeting', type: 'number', value: String(minutes), attrs: { min: 5, max: 240, inputmode: 'numeric' } }),
                field({ name: 'count', label: 'Number of slots', type: 'number', value: String(ev.slots && ev.slots.length ? ev.slots.length : 12), attrs: { min: 1, max: 200, inputmode: 'numeric' } }),
                field({ name: 'tables', label: 'Tables', type: 'number', value: String(ev.tables || 10), attrs: { min: 1, inputmode: 'numeric' } }),
            ],
            submit: 'Save slots and tables',
            names: { slots: 'count' },
            onSubmit: async v => {
                const start = Date.parse(fromDateTimeInput(v.first)), n = Number(v.count), len = Number(v.minutes) * 60000;
                if (!Number.isFinite(start) || !(n > 0) || !(len > 0)) throw Object.assign(new Error('Give the first slot\'s start, the minutes per meeting and the number of slots.'), { fields: { first: 'is needed', minutes: 'must be a number of minutes', count: 'must be a number' } });
                const slots = Array.from({ length: n }, (_, i) => ({ starts_at: new Date(start + i * len).toISOString().replace(/\.000Z$/, 'Z'), ends_at: new Date(start + (i + 1) * len).toISOString().replace(/\.000Z$/, 'Z') }));
                await api('PUT', `/v1/events/${id}/slots`, { body: { slots, tables: Number(v.tables) } });
                await redraw('The slots and tables were saved.');
            },
        }));
    // the scheduler
    const result = h('div', { class: 'schedule-result', 'aria-live': 'polite' });
    sec.append(h('h3', {}, 'Schedule the meetings'),
        h('p', {}, 'The scheduler places accepted meeting requests, then recommended meetings, in free slots and tables. Running it again replaces the schedule.'),
        actionButton('Run the scheduler', async () => {
            const r = await api('POST', `/v1/events/${id}/schedule`, { body: {} });
            result.replaceChildren(scheduleView(r, nameOf, slotText));
            return `The scheduler placed ${r.meetings.length} meeting${r.meetings.length === 1 ? '' : 's'}.`;
        }, status), result);
    return sec;
}

function scheduleView(r, nameOf, slotText) {
    const requested = r.meetings.filter(m => m.request).length;
    return h('div', {},
        h('h4', {}, 'Result'),
        summaryList([
            ['Meetings placed', `${r.meetings.length} (${requested} requested, ${r.meetings.length - requested} recommended)`],
            ['Upper bound', `${r.upper_bound} – no schedule can place more of the requested meetings`],
            ['Requests left unscheduled', String(r.unscheduled.length)],
            ['Time taken', `${Math.round(r.took_ms)} ms`],
        ]),
        r.unscheduled.length ? [h('h4', {}, 'Unscheduled requests'), h('ul', { class: 'list' }, r.unscheduled.map(u => h('li', {}, `Request ${u.request}: ${u.reason}`)))] : null,
        h('h4', { id: 'meetings-heading' }, 'Meetings'),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'aria-labelledby': 'meetings-heading' },
            h('thead', {}, h('tr', {}, ['Slot', 'Table', 'Between', 'And', 'Kind'].map(t => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, [...r.meetings].sort((x, y) => x.slot - y.slot || x.table - y.table).map(m => h('tr', {}, h('td', {}, slotText(m.slot)), h('td', {}, String(m.table + 1)),
                h('td', {}, nameOf(m.a)), h('td', {}, nameOf(m.b)), h('td', {}, m.request ? 'Requested' : 'Recommended')))))));
}

export async function agenda(main, { params, query }) {
    const [id] = params;
    const pid = query.get('participant') || '';
    setTitle('Agenda');
    if (!session()) {
        navigate(`/sign-in?next=${enc(location.pathname + location.search)}`, { replace: true });
        return;
    }
    fill(main, loading());
    let ev, ag;
    try {
        ev = await api('GET', `/v1/events/${enc(id)}`);
        ag = await api('GET', `/v1/events/${enc(id)}/schedule`, { query: { participant: pid } });
    } catch (e) {
        fill(main, ...heading('Agenda'), errorPanel(e));
        return;
    }
    setTitle(`Agenda – ${ev.title}`);
    const status = h('div', { class: 'status-slot' });
    // the iCalendar file needs the session's token: fetched now, offered as a blob: link
    let dl = null;
    if ((ag.meetings || []).length) {
        try {
            const blob = await apiBlob(`/v1/events/${enc(id)}/schedule?participant=${enc(pid)}`, 'text/calendar');
            dl = h('a', { class: 'button button--secondary', href: URL.createObjectURL(blob), download: `agenda-${ev.title.replace(/[^\w-]+/g, '-').toLowerCase()}.ics` }, 'Download the agenda (iCalendar)');
        } catch (e) {
            status.replaceChildren(notice(`The iCalendar file could not be made: ${e.message}`, 'error'));
        }
    }
    const ms = ag.meetings || [];
    fill(main, ...heading('Agenda', ev.title), status,
        h('p', {}, h('a', { href: `/events/${enc(id)}/matchmaking` }, 'Back to the matchmaking')),
        ms.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
            h('caption', { class: 'visually-hidden' }, 'Meetings in slot order'),
            h('thead', {}, h('tr', {}, ['Time', 'Table', 'With'].map(t => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, ms.map(m => h('tr', {},
                h('td', {}, `${formatDateTime(m.starts_at)} to ${String(m.ends_at).slice(11, 16)} UTC`),
                h('td', {}, String(m.table + 1)),
                h('td', {}, m.with ? h('a', { href: `/profiles/${enc(m.with.id)}` }, m.with.name || 'A participant') : '')))))) 
            : h('p', {}, 'No meeting is scheduled yet: the organiser runs the scheduler before the event.'),
        ms.length ? h('p', {}, dl) : null);
}
