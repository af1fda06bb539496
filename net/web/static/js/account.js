// account.js: sign in (by username or e-mail), register (the username rules checked as
// you type), your account (profiles, registrations, notifications), the request for a
// password reset and the page the reset e-mail links to (/reset-password?token=...).
import { api, session, setSession, formatDate } from './api.js';
import { navigate } from './app.js';
import { h, field, showErrors, clearErrors, button, notice, setTitle, loading, errorPanel, countryOptions, label, TYPES } from './ui.js';

const STATES = { draft: 'Draft', needs_review: 'Waiting for review', published: 'Published', declined: 'Declined', pending: 'Waiting for a decision', accepted: 'Accepted', rejected: 'Not accepted' };

// A path within the site to go to after signing in (never another origin).
function nextPath(query) {
    const n = query.get('next') || '';
    return /^\/(?!\/)/.test(n) ? n : '/account';
}

export async function signIn(main, { query }) {
    setTitle('Sign in');
    const login = field({ name: 'login', label: 'Username or e-mail address', autocomplete: 'username' });
    const password = field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' });
    const form = h('form', { class: 'form', novalidate: true }, login, password, button('Sign in'));
    main.replaceChildren(
        query.get('signed_out') ? notice('You have signed out.') : '',
        query.get('reset') ? notice('Your password has been changed. Sign in with the new one.') : '',
        h('h1', {}, 'Sign in'),
        form,
        h('p', {}, h('a', { href: '/forgot-password' }, 'Forgotten your password?')),
        h('p', {}, 'No account yet? ', h('a', { href: '/register' }, 'Create an account'), '.'));
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        const body = { login: login.control.value.trim(), password: password.control.value };
        const missing = {};
        if (!body.login) missing.login = 'Enter your username or e-mail address';
        if (!body.password) missing.password = 'Enter your password';
        if (Object.keys(missing).length) return showErrors(form, { fields: missing }, { wording: missing });
        try {
            const s = await api('POST', '/v1/sessions', { body });
            setSession(s);
            navigate(nextPath(query), { replace: true });
        } catch (e) {
            showErrors(form, e);
        }
    });
}

// The username rules of POST /v1/users, for the checklist shown while typing.
const USERNAME_RULES = [
    ['length', '3 to 50 characters', v => [...v].length >= 3 && [...v].length <= 50],
    ['chars', 'only letters, digits, spaces and . - \' _', v => /^[\p{L}\p{M}0-9 .\-'_]*$/u.test(v)],
    ['spaces', 'no space at the start or the end', v => v === v.trim()],
];

export async function register(main) {
    setTitle('Create an account');
    const username = field({ name: 'username', label: 'Username', autocomplete: 'username', hint: 'You can sign in with it or with your e-mail address. Others do not see it.' });
    const rules = h('ul', { class: 'rules', id: 'username-rules', 'aria-live': 'polite' });
    username.control.setAttribute('aria-describedby', `${username.control.getAttribute('aria-describedby')} username-rules`);
    username.querySelector('.hint').after(rules);
    const drawRules = () => {
        const v = username.control.value;
        rules.replaceChildren(...USERNAME_RULES.map(([key, text, ok]) => {
            const met = v !== '' && ok(v);
            return h('li', { class: v === '' ? '' : met ? 'rules__ok' : 'rules__fail', 'data-rule': key },
                h('span', { class: 'rules__mark', 'aria-hidden': 'true' }, v === '' ? '•' : met ? '✓' : '✗'),
                ' ', text, v === '' ? '' : h('span', { class: 'visually-hidden' }, met ? ' (met)' : ' (not met)'));
        }));
    };
    username.control.addEventListener('input', drawRules);
    drawRules();
    const email = field({ name: 'email', label: 'E-mail address', type: 'email', autocomplete: 'email' });
    const emailConfirm = field({ name: 'email_confirm', label: 'Confirm the e-mail address', type: 'email', autocomplete: 'email' });
    const password = field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: 'At least 10 characters. A few words you will remember make a good password.' });
    const organisation = field({ name: 'organisation_name', label: 'Organisation', autocomplete: 'organization' });
    const country = field({ name: 'country', label: 'Country', type: 'select', autocomplete: 'country', options: [['', 'Choose a country'], ...countryOptions()] });
    const title = field({ name: 'title', label: 'Job title', autocomplete: 'organization-title' });
    const newsletters = h('div', { class: 'form-group', 'data-field': 'newsletters' },
        h('fieldset', { class: 'fieldset' }, h('legend', {}, 'Newsletters (optional)'),
            h('p', { class: 'error-message', hidden: true, id: 'newsletters-error' }),
            ['monthly', 'quarterly'].map(v => h('div', { class: 'checkbox' },
                h('input', { type: 'checkbox', id: `newsletter-${v}`, name: 'newsletters', value: v }),
                h('label', { for: `newsletter-${v}` }, v === 'monthly' ? 'The monthly newsletter' : 'The quarterly newsletter')))));
    newsletters.append(h('span', { class: 'label', hidden: true }, 'Newsletters'));
    const form = h('form', { class: 'form', novalidate: true }, username, email, emailConfirm, password, organisation, country, title, newsletters, button('Create the account'));
    main.replaceChildren(h('h1', {}, 'Create an account'), form,
        h('p', {}, 'Already registered? ', h('a', { href: '/sign-in' }, 'Sign in'), '.'));
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        const body = {
            username: username.control.value, email: email.control.value.trim(), email_confirm: emailConfirm.control.value.trim(),
            password: password.control.value, organisation_name: organisation.control.value.trim(), country: country.control.value,
            title: title.control.value.trim(), newsletters: [...form.querySelectorAll('input[name=newsletters]:checked')].map(b => b.value),
        };
        try {
            await api('POST', '/v1/users', { body });
            const s = await api('POST', '/v1/sessions', { body: { login: body.email, password: body.password } });
            setSession(s);
            navigate('/account?welcome=1', { replace: true });
        } catch (e) {
            const wording = {};
            if (!body.country) wording.country = 'Choose the country of your organisation';
            if (body.email_confirm && body.email_confirm !== body.email) wording.email_confirm = 'The two e-mail addresses are not the same: type the address again';
            showErrors(form, e, { wording });
        }
    });
}

export async function account(main, { query }) {
    setTitle('Your account');
    if (!session()) {
        navigate('/sign-in?next=/account', { replace: true });
        return;
    }
    main.replaceChildren(loading());
    let me, notes;
    try {
        [me, notes] = await Promise.all([api('GET', '/v1/me'), api('GET', '/v1/me/notifications', { query: { per_page: 5 } }).catch(() => null)]);
    } catch (e) {
        main.replaceChildren(h('h1', {}, 'Your account'), errorPanel(e));
        return;
    }
    const profiles = me.profiles || [];
    const regs = me.xchange_registrations || [];
    const nameOf = id => (profiles.find(p => p.id === id) || {}).name || id;
    main.replaceChildren(
        query.get('welcome') ? notice('Your account is ready and you are signed in.') : '',
        h('h1', {}, 'Your account'),
        h('dl', { class: 'summary-list' },
            [['Username', me.username], ['E-mail address', me.email], ['Organisation', me.organisation_name], ['Job title', me.title],
             ['Role', me.role === 'moderator' ? 'Moderator' : 'Member'], ['Member since', formatDate(me.created_at)]]
                .map(([k, v]) => h('div', { class: 'summary-list__row' }, h('dt', {}, k), h('dd', {}, v || '')))),
        h('h2', {}, 'Profiles you administer'),
        profiles.length
            ? h('table', { class: 'table' },
                h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Profile'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'State'))),
                h('tbody', {}, profiles.map(p => h('tr', {},
                    h('td', {}, h('a', { href: p.has_published_version ? `/profiles/${encodeURIComponent(p.id)}` : `/profiles/${encodeURIComponent(p.id)}/draft` }, p.name),
                        p.has_published_version && p.state !== 'published' ? [' (', h('a', { href: `/profiles/${encodeURIComponent(p.id)}/draft` }, 'draft'), ')'] : ''),
                    h('td', {}, label(TYPES, p.type)), h('td', {}, label(STATES, p.state))))))
            : h('p', {}, 'You do not administer a profile yet.'),
        h('h2', {}, 'ClusterXchange registrations'),
        regs.length
            ? h('ul', { class: 'list' }, regs.map(r => h('li', {},
                h('a', { href: `/xchange?registration=${encodeURIComponent(r.id)}` }, nameOf(r.profile_id)),
                ` – ${(r.roles || []).join(' and ')}, ${label(STATES, r.state).toLowerCase()}`)))
            : h('p', {}, 'None of your organisations is registered for ClusterXchange.'),
        notes && notes.items && notes.items.length
            ? h('section', { 'aria-labelledby': 'notifications-heading' },
                h('h2', { id: 'notifications-heading' }, `Notifications (${notes.unread} unread)`),
                h('ul', { class: 'list' }, notes.items.map(n => h('li', { class: n.read ? '' : 'unread' }, n.text, h('span', { class: 'hint' }, ` – ${formatDate(n.created_at)}`)))))
            : '',
        h('h2', {}, 'Your data'),
        h('p', {}, h('a', { href: '/account/data' }, 'Download your data, choose your newsletters or delete your account')),
        h('form', { class: 'form', onsubmit: async ev => {
            ev.preventDefault();
            await api('DELETE', '/v1/sessions/current').catch(() => null);
            setSession(null);
            navigate('/sign-in?signed_out=1');
        } }, button('Sign out', { class: 'button button--secondary' })));
}

export async function forgot(main) {
    setTitle('Reset your password');
    const email = field({ name: 'email', label: 'E-mail address', type: 'email', autocomplete: 'email', hint: 'The address your account was registered with.' });
    const form = h('form', { class: 'form', novalidate: true }, email, button('Send the link'));
    const status = h('div');
    main.replaceChildren(h('h1', {}, 'Reset your password'), h('p', {}, 'We send you an e-mail with a link to choose a new password.'), status, form);
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        const v = email.control.value.trim();
        if (!v) return showErrors(form, { fields: { email: 'missing' } }, { wording: { email: 'Enter the e-mail address of your account' } });
        try {
            await api('POST', '/v1/password-resets', { body: { email: v } });
            clearErrors(form);
            const n = notice(`If an account has the address ${v}, an e-mail with a link is on its way. The link works once.`);
            status.replaceChildren(n);
            form.remove();
            n.focus();
        } catch (e) {
            showErrors(form, e);
        }
    });
}

export async function reset(main, { query }) {
    setTitle('Choose a new password');
    const token = query.get('token') || '';
    if (!token) {
        main.replaceChildren(h('h1', {}, 'Choose a new password'),
            errorPanel({ message: 'This page opens from the link in the password reset e-mail, and the link is incomplete.' }),
            h('p', {}, h('a', { href: '/forgot-password' }, 'Ask for a new link')));
        return;
    }
    const password = field({ name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password', hint: 'At least 10 characters.' });
    const confirm = field({ name: 'password_confirm', label: 'Confirm the new password', type: 'password', autocomplete: 'new-password' });
    const form = h('form', { class: 'form', novalidate: true }, password, confirm, button('Change the password'));
    main.replaceChildren(h('h1', {}, 'Choose a new password'), form);
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        if (password.control.value !== confirm.control.value)
            return showErrors(form, { fields: { password_confirm: 'differs' } },
                { wording: { password_confirm: 'The two passwords are not the same: type the new password again' } });
        try {
            await api('PUT', `/v1/password-resets/${encodeURIComponent(token)}`, { body: { password: password.control.value } });
            setSession(null);
            navigate('/sign-in?reset=1', { replace: true });
        } catch (e) {
            if (e.status === 404)
                return showErrors(form, { message: `${e.message}` });
            showErrors(form, e);
        }
    });
}
