// xchange.js: ClusterXchange for a signed-in admin: the registrations of the
// organisations they administer and, for the one chosen, the best matches with the
// reasons the matcher gives, as host or as visitor (/xchange?registration=ID&role=host).
import { api, session, formatDate } from './api.js';
import { navigate } from './app.js';
import { h, countryName, label, ECOSYSTEMS, OBJECTIVES, languageName, setTitle, loading, errorPanel } from './ui.js';

const STATES = { pending: 'Waiting for a decision', accepted: 'Accepted', rejected: 'Not accepted' };

export async function render(main, { query }) {
    setTitle('ClusterXchange');
    if (!session()) {
        navigate('/sign-in?next=/xchange', { replace: true });
        return;
    }
    main.replaceChildren(loading());
    let me;
    try {
        me = await api('GET', '/v1/me');
    } catch (e) {
        main.replaceChildren(h('h1', {}, 'ClusterXchange'), errorPanel(e));
        return;
    }
    const regs = me.xchange_registrations || [];
    const nameOf = id => (me.profiles || []).find(p => p.id === id)?.name || 'Your organisation';
    if (!regs.length) {
        main.replaceChildren(h('h1', {}, 'ClusterXchange'),
            h('p', {}, 'None of the organisations you administer is registered for ClusterXchange, the exchange scheme for cluster managers. Registration opens from a published profile you administer.'));
        return;
    }
    const reg = regs.find(r => r.id === query.get('registration')) || regs[0];
    const roles = reg.roles || [];
    const role = roles.includes(query.get('role')) ? query.get('role') : roles.includes('visitor') ? 'visitor' : roles[0];
    let detail = null;
    try {
        detail = await api('GET', `/v1/xchange/registrations/${encodeURIComponent(reg.id)}`);
    } catch {
        detail = null; // the summary from /v1/me is enough to go on
    }
    const section = h('section', { 'aria-labelledby': 'matches-heading' });
    main.replaceChildren(
        h('h1', {}, 'ClusterXchange'),
        h('ul', { class: 'view-switch', 'aria-label': 'ClusterXchange' }, [['/xchange', 'Best matches'], ['/xchange/catalogue', 'Catalogue'], ['/xchange/messages', 'Messages and exchanges']]
            .map(([href, t]) => h('li', {}, h('a', { href, 'aria-current': href === '/xchange' ? 'page' : null }, t)))),
        regs.length > 1 ? h('nav', { 'aria-label': 'Your registrations' }, h('ul', { class: 'list' }, regs.map(r => h('li', {},
            h('a', { href: `/xchange?registration=${encodeURIComponent(r.id)}`, 'aria-current': r.id === reg.id ? 'page' : null }, nameOf(r.profile_id)))))) : '',
        h('h2', {}, `Registration of ${nameOf(reg.profile_id)}`),
        registration(reg, detail),
        section);
    if (reg.state !== 'accepted') {
        section.replaceChildren(h('h2', { id: 'matches-heading' }, 'Best matches'),
            h('p', {}, 'Matches are shown once the registration is accepted by the platform team.'));
        return;
    }
    const other = role === 'visitor' ? 'hosts' : 'visitors';
    section.replaceChildren(h('h2', { id: 'matches-heading' }, `Best matching ${other}`),
        roles.length > 1 ? h('ul', { class: 'view-switch', 'aria-label': 'Matches for your role as' }, roles.map(r => h('li', {},
            h('a', { href: `/xchange?registration=${encodeURIComponent(reg.id)}&role=${r}`, 'aria-current': r === role ? 'page' : null }, r === 'visitor' ? 'As a visitor' : 'As a host')))) : '',
        loading());
    let matches;
    try {
        matches = await api('GET', `/v1/xchange/registrations/${encodeURIComponent(reg.id)}/matches`, { query: { role, limit: 20 } });
    } catch (e) {
        section.lastChild.replaceWith(errorPanel(e));
        return;
    }
    section.lastChild.replaceWith(matches.length
        ? h('ol', { class: 'matches' }, matches.map(m => h('li', { class: 'match' },
            h('h3', { class: 'match__name' }, h('a', { href: `/profiles/${encodeURIComponent(m.profile.id)}` }, m.profile.name), ` – ${countryName(m.profile.country)}`),
            h('p', { class: 'match__score' }, `Score ${m.score}`),
            h('ul', { class: 'match__reasons', 'aria-label': 'Why it matches' }, (m.reasons || []).map(r => h('li', {}, r))))))
        : h('p', {}, `No accepted registration of the other role matches yet: ${other} need another country and availability overlapping yours.`));
}

function registration(reg, d) {
    const rows = [
        ['State', STATES[reg.state] || reg.state],
        ['Roles', (reg.roles || []).map(r => r === 'host' ? 'Host' : 'Visitor').join(' and ')],
        ['Registered', formatDate(reg.created_at)],
    ];
    if (d) {
        if (d.ecosystems) rows.push(['Industrial ecosystems', d.ecosystems.map(e => label(ECOSYSTEMS, e)).join(', ')]);
        if (d.target_countries) rows.push(['Target countries', d.target_countries.map(countryName).join(', ')]);
        if (d.objectives) rows.push(['Objectives', d.objectives.map(o => label(OBJECTIVES, o)).join(', ')]);
        if (d.languages) rows.push(['Languages', d.languages.map(languageName).join(', ')]);
        if (d.availability) rows.push(['Available', d.availability.map(a => `${formatDate(a.from)} to ${formatDate(a.to)}`).join('; ')]);
    }
    return h('dl', { class: 'summary-list' }, rows.map(([k, v]) => h('div', { class: 'summary-list__row' }, h('dt', {}, k), h('dd', {}, v))));
}
