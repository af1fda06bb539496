// content.js: a profile's content and a person's own data. On the profile page, its news
// (listed for everyone, newest first; posted, edited and deleted by its admins); on the
// draft page, the logo and the contact person's photo (uploaded by its admins, shown at
// once, and beside the draft for moderators); and the account's data page (/account/data):
// a copy of everything the platform holds about you, the newsletters you receive, and
// deleting the account with the password.
import { api, session, setSession, formatDate, ApiError } from './api.js';
import { navigate } from './app.js';
import { h, field, showErrors, clearErrors, button, notice, setTitle, loading, errorPanel, pagination } from './ui.js';

const enc = encodeURIComponent;
const NEWS_PER_PAGE = 10;

function paragraphs(text) {
    return (text || '').split(/\n\s*\n/).filter(Boolean).map(par => h('p', {}, par));
}

/* ---- news ---- */

// The news section of profile id: the list for everyone; with admin, the forms to post,
// edit and delete. page: the list's page (the profile page's ?news_page=).
export function newsSection(id, { admin = false, page = 1 } = {}) {
    const section = h('section', { class: 'news', 'aria-labelledby': 'news-heading' });
    const status = h('div', { class: 'status-slot' });
    const list = h('div', {});
    const draw = async () => {
        let res;
        try {
            res = await api('GET', `/v1/profiles/${enc(id)}/news`, { query: { page, per_page: NEWS_PER_PAGE } });
        } catch (e) {
            list.replaceChildren(errorPanel(e));
            return;
        }
        list.replaceChildren(
            res.items.length
                ? h('ol', { class: 'news__list' }, res.items.map(n => newsItem(id, n, admin, status, draw)))
                : h('p', {}, admin ? 'No news yet. What you post here is public while the profile is published.' : 'This organisation has not posted any news yet.'),
            pagination(page, res.total, NEWS_PER_PAGE, p => `/profiles/${enc(id)}?news_page=${p}`) || '');
    };
    section.append(h('h2', { id: 'news-heading' }, 'News'), status);
    if (admin) section.append(newsForm(id, status, async () => {
        page = 1;
        await draw();
    }));
    section.append(list);
    section.ready = draw();
    return section;
}

function newsFields(n = {}) {
    return [
        field({ name: 'title', label: 'Title', value: n.title || '', hint: 'Up to 200 characters.' }),
        field({ name: 'body', label: 'Text', type: 'textarea', rows: 6, value: n.body || '', hint: 'Leave an empty line between paragraphs.' }),
    ];
}

function newsForm(id, status, done) {
    const [title, body] = newsFields();
    const form = h('form', { class: 'form news__form', novalidate: true, 'aria-labelledby': 'news-post-heading' },
        h('h3', { id: 'news-post-heading' }, 'Post news'), title, body, button('Post the news'));
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        const b = { title: title.control.value.trim(), body: body.control.value.trim() };
        const missing = {};
        if (!b.title) missing.title = 'Enter a title';
        if (!b.body) missing.body = 'Enter the text of the news';
        if (Object.keys(missing).length) return showErrors(form, { fields: missing }, { wording: missing });
        const btn = form.querySelector('button');
        btn.disabled = true;
        try {
            await api('POST', `/v1/profiles/${enc(id)}/news`, { body: b });
            clearErrors(form);
            title.control.value = body.control.value = '';
            await done();
            const n = notice(`“${b.title}” is posted. It is the first item of the list below.`);
            status.replaceChildren(n);
            n.focus();
        } catch (e) {
            showErrors(form, e);
        } finally {
            btn.disabled = false;
        }
    });
    return form;
}

function newsItem(pid, n, admin, status, redraw) {
    const base = `news-${n.id}`;
    const li = h('li', { class: 'news__item', 'data-news': n.id });
    const show = () => {
        const edited = n.updated_at && n.updated_at !== n.published_at;
        li.replaceChildren(h('article', { 'aria-labelledby': `${base}-title` },
            h('h3', { class: 'news__title', id: `${base}-title` }, n.title),
            h('p', { class: 'news__meta' }, `Published ${formatDate(n.published_at)}`, edited ? `, edited ${formatDate(n.updated_at)}` : ''),
            paragraphs(n.body),
            admin ? h('div', { class: 'button-group button-group--tight' },
                h('button', { type: 'button', class: 'button button--secondary', 'aria-describedby': `${base}-title`, onclick: edit }, 'Edit'),
                h('button', { type: 'button', class: 'button button--secondary', 'aria-describedby': `${base}-title`, onclick: confirmDelete }, 'Delete')) : null));
    };
    const edit = () => {
        const [title, body] = newsFields(n);
        const form = h('form', { class: 'form news__form', novalidate: true, 'aria-label': `Edit “${n.title}”` },
            title, body,
            h('div', { class: 'button-group' }, button('Save the changes'),
                h('button', { type: 'button', class: 'button button--secondary', onclick: () => { show(); li.querySelector('button').focus(); } }, 'Cancel')));
        form.addEventListener('submit', async ev => {
            ev.preventDefault();
            const b = {};
            if (title.control.value.trim() !== n.title) b.title = title.control.value.trim();
            if (body.control.value.trim() !== n.body) b.body = body.control.value.trim();
            try {
                if (Object.keys(b).length) n = await api('PATCH', `/v1/profiles/${enc(pid)}/news/${enc(n.id)}`, { body: b });
                show();
                const msg = notice(`“${n.title}” is saved.`);
                status.replaceChildren(msg);
                msg.focus();
            } catch (e) {
                showErrors(form, e);
            }
        });
        li.replaceChildren(form);
        title.control.focus();
    };
    const confirmDelete = () => {
        const yes = h('button', { type: 'button', class: 'button button--warning' }, 'Yes, delete it');
        const box = h('div', { class: 'confirm', role: 'group', 'aria-labelledby': `${base}-confirm` },
            h('p', { id: `${base}-confirm` }, h('strong', {}, `Delete “${n.title}”?`), ' It leaves the profile and the search at once; this cannot be undone.'),
            h('div', { class: 'button-group button-group--tight' }, yes,
                h('button', { type: 'button', class: 'button button--secondary', onclick: () => { box.remove(); li.querySelector('button').focus(); } }, 'Keep it')));
        yes.addEventListener('click', async () => {
            yes.disabled = true;
            try {
                await api('DELETE', `/v1/profiles/${enc(pid)}/news/${enc(n.id)}`);
                await redraw();
                const msg = notice(`“${n.title}” is deleted.`);
                status.replaceChildren(msg);
                msg.focus();
            } catch (e) {
                box.replaceChildren(errorPanel(e));
            }
        });
        li.querySelector('.confirm')?.remove();
        li.querySelector('article').append(box);
        yes.focus();
    };
    show();
    return li;
}

/* ---- logo and contact photo ---- */

export const IMAGE_SLOTS = [
    ['logo', 'logo', 'Logo'],
    ['contact/photo', 'contact_photo', 'Contact person’s photo'],
];

function authHeaders() {
    const s = session();
    return s && s.token ? { authorization: `Bearer ${s.token}` } : {};
}

// An object URL of the image at path (the caller's session sent, revalidated so a new
// image shows at once), or null when there is none.
export async function imageUrl(path) {
    try {
        const res = await fetch(path, { headers: authHeaders(), cache: 'no-cache' });
        if (!res.ok) return null;
        return URL.createObjectURL(await res.blob());
    } catch {
        return null;
    }
}

// An <img> of the image at path in a figure with its caption, or a line saying there is
// none. Resolves once drawn.
export async function imageFigure(path, caption, alt) {
    const url = await imageUrl(path);
    return h('figure', { class: 'image-figure' },
        url ? h('img', { src: url, alt, class: 'image-figure__img' }) : h('p', { class: 'image-figure__none' }, 'None yet.'),
        caption ? h('figcaption', { class: 'hint' }, caption) : null);
}

// Sends a file as the raw body of PUT path; rejects with an ApiError whose message says
// what was wrong in words (the server's 413, 415 and 422).
async function putImage(path, file) {
    let res;
    try {
        res = await fetch(path, { method: 'PUT', headers: { ...authHeaders(), accept: 'application/json', 'content-type': file.type || 'application/octet-stream' }, body: file });
    } catch {
        throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
    }
    if (res.ok) return;
    const e = ((await res.json().catch(() => null)) || {}).error || {};
    const reason = e.fields && e.fields.image;
    const words = res.status === 413 ? `${file.name} is larger than 2 MB. Choose a smaller image, or save it smaller first.`
        : res.status === 415 ? `${file.name} is not a PNG or JPEG image. Choose a PNG or JPEG file.`
        : res.status === 422 ? `${file.name} cannot be used: the image ${reason || 'is not readable'}.`
        : res.status === 401 ? 'Your session has ended. Sign in again to go on.'
        : res.status === 403 ? 'Only the profile’s admins can change its images.'
        : e.message ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + '.' : `The server answered ${res.status}.`;
    throw new ApiError(res.status, e.code || `http_${res.status}`, words, { image: words });
}

// The admins' section of the draft page: each image as it is now, a file input to
// replace it and a button to remove it. Images are not moderated: a published profile
// shows a new one at once.
export function imagesSection(id, { editable }) {
    const section = h('section', { class: 'images', 'aria-labelledby': 'images-heading' },
        h('h2', { id: 'images-heading' }, 'Logo and contact photo'),
        editable ? h('p', {}, 'PNG or JPEG, at most 2 MB and 4,096 pixels a side. A new image is public at once on a published profile: it does not wait for moderation.') : null);
    const status = h('div', { class: 'status-slot' });
    section.append(status);
    section.ready = Promise.all(IMAGE_SLOTS.map(async ([path, slot, name]) => {
        const url = `/v1/profiles/${enc(id)}/${path}`;
        const box = h('div', { class: 'image-slot', 'data-slot': slot });
        section.append(box);
        const draw = async () => {
            const fig = await imageFigure(url, editable ? null : name, `${name} of the profile`);
            if (!editable) {
                box.replaceChildren(fig);
                return;
            }
            const file = field({ name: 'image', label: `A new ${slot === 'logo' ? 'logo' : 'photo of the contact person'}`, type: 'file', attrs: { accept: 'image/png,image/jpeg' } });
            file.control.classList.add('input--file');
            const form = h('form', { class: 'form form--image', novalidate: true, 'aria-label': name },
                file, h('div', { class: 'button-group button-group--tight' }, button(`Upload the ${slot === 'logo' ? 'logo' : 'photo'}`),
                    fig.querySelector('img') ? h('button', { type: 'button', class: 'button button--secondary', onclick: remove }, `Remove the ${slot === 'logo' ? 'logo' : 'photo'}`) : null));
            form.addEventListener('submit', async ev => {
                ev.preventDefault();
                const f = file.control.files[0];
                if (!f) return showErrors(form, { fields: { image: 'missing' } }, { wording: { image: `Choose a PNG or JPEG file for the ${slot === 'logo' ? 'logo' : 'photo'}` } });
                try {
                    await putImage(url, f);
                    await draw();
                    say(`The ${slot === 'logo' ? 'logo' : 'photo'} is changed: ${f.name}.`);
                } catch (e) {
                    showErrors(form, e, { wording: { image: e.message } });
                }
            });
            box.replaceChildren(h('h3', {}, name), fig, form);
        };
        const remove = async () => {
            try {
                await api('DELETE', url);
                await draw();
                say(`The ${slot === 'logo' ? 'logo' : 'photo'} is removed.`);
            } catch (e) {
                status.replaceChildren(errorPanel(e));
            }
        };
        await draw();
    }));
    const say = text => {
        const n = notice(text);
        status.replaceChildren(n);
        n.focus();
    };
    return section;
}

/* ---- the account's data ---- */

const NEWSLETTERS = [['monthly', 'The monthly newsletter'], ['quarterly', 'The quarterly newsletter']];

export async function data(main) {
    setTitle('Your data');
    if (!session()) {
        navigate('/sign-in?next=/account/data', { replace: true });
        return;
    }
    main.replaceChildren(loading());
    let me;
    try {
        me = await api('GET', '/v1/me');
    } catch (e) {
        main.replaceChildren(h('h1', {}, 'Your data'), errorPanel(e));
        return;
    }
    main.replaceChildren(
        h('p', {}, h('a', { href: '/account' }, 'Back to your account')),
        h('h1', {}, 'Your data'),
        h('p', {}, 'What the platform holds about you: take a copy of it, choose the newsletters you receive, or delete your account.'),
        exportSection(), newslettersSection(me.newsletters || []), deleteSection(me));
}

function exportSection() {
    const status = h('div', { class: 'status-slot' });
    const btn = h('button', { type: 'button', class: 'button' }, 'Download my data');
    btn.addEventListener('click', async () => {
        btn.disabled = true;
        try {
            const res = await fetch('/v1/me/export', { headers: { ...authHeaders(), accept: 'application/json' } });
            if (!res.ok) throw new ApiError(res.status, 'export', res.status === 401 ? 'Your session has ended. Sign in again to go on.' : 'Your data could not be gathered. Try again in a moment.');
            const url = URL.createObjectURL(await res.blob());
            const a = h('a', { href: url, download: 'my-data.json', hidden: true });
            document.body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(url), 60000);
            status.replaceChildren(notice('Your data is downloaded as my-data.json.'));
        } catch (e) {
            const n = notice(e.message, 'error');
            status.replaceChildren(n);
            n.focus();
        } finally {
            btn.disabled = false;
        }
    });
    return h('section', { 'aria-labelledby': 'export-heading' },
        h('h2', { id: 'export-heading' }, 'A copy of your data'),
        h('p', {}, 'One JSON file with everything about you: your account, the profiles you administer with their news, ClusterXchange registrations, exchanges and messages, notifications, follows, interests, comments and events.'),
        status, btn);
}

function newslettersSection(chosen) {
    const status = h('div', { class: 'status-slot' });
    const group = h('div', { class: 'form-group', 'data-field': 'newsletters' },
        h('fieldset', { class: 'fieldset' }, h('legend', { class: 'label' }, 'Newsletters you receive by e-mail'),
            h('div', { class: 'hint' }, 'Every newsletter also has a link to stop it without signing in.'),
            h('p', { class: 'error-message', hidden: true, id: 'data-newsletters-error' }),
            NEWSLETTERS.map(([v, text]) => h('div', { class: 'checkbox' },
                h('input', { type: 'checkbox', id: `data-newsletter-${v}`, name: 'newsletters', value: v, checked: chosen.includes(v) }),
                h('label', { for: `data-newsletter-${v}` }, text)))));
    const form = h('form', { class: 'form', novalidate: true }, group, button('Save the newsletter choices'));
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        const picked = [...form.querySelectorAll('input[name=newsletters]:checked')].map(b => b.value);
        try {
            await api('PUT', '/v1/me/newsletters', { body: picked });
            clearErrors(form);
            const n = notice(picked.length ? `Saved: you receive ${picked.map(p => `the ${p} newsletter`).join(' and ')}.` : 'Saved: you receive no newsletter.');
            status.replaceChildren(n);
            n.focus();
        } catch (e) {
            showErrors(form, e);
        }
    });
    return h('section', { 'aria-labelledby': 'newsletters-heading' }, h('h2', { id: 'newsletters-heading' }, 'Newsletters'), status, form);
}

// The profiles a 409 names: the server says `you are the only admin of "Name" (id), ...`.
function soleProfiles(message) {
    return [...String(message).matchAll(/"((?:[^"\\]|\\.)*)" \(([A-Za-z0-9_-]+)\)/g)].map(m => ({ name: m[1], id: m[2] }));
}

function deleteSection(me) {
    const password = field({ name: 'password', label: 'Your password', type: 'password', autocomplete: 'current-password', hint: 'To confirm that it is you.' });
    const form = h('form', { class: 'form', novalidate: true }, password, button('Delete my account', { class: 'button button--warning' }));
    const problem = h('div', {});
    form.addEventListener('submit', async ev => {
        ev.preventDefault();
        problem.replaceChildren();
        const pw = password.control.value;
        if (!pw) return showErrors(form, { fields: { password: 'missing' } }, { wording: { password: 'Enter your password to delete the account' } });
        const btn = form.querySelector('button');
        btn.disabled = true;
        try {
            // not api(): its 401 means "the session ended", here it is a wrong password
            let res;
            try {
                res = await fetch('/v1/me', { method: 'DELETE', headers: { ...authHeaders(), accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify({ password: pw }) });
            } catch {
                throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
            }
            if (res.status !== 204) {
                const err = ((await res.json().catch(() => null)) || {}).error || {};
                const words = res.status === 429 ? 'Too many attempts. Wait a few minutes and try again.'
                    : res.status >= 500 ? 'Something went wrong on the server. Try again in a moment.'
                    : err.message ? err.message.charAt(0).toUpperCase() + err.message.slice(1) + '.' : `The server answered ${res.status}.`;
                throw new ApiError(res.status, err.code || `http_${res.status}`, words, err.fields);
            }
            setSession(null);
            setTitle('Your account is deleted');
            const main = document.getElementById('main');
            main.replaceChildren(h('h1', {}, 'Your account is deleted'),
                notice(`The account ${me.username} and its personal data are erased, and you are signed out. Comments and interests you posted stay, shown as by “a former user”.`),
                h('p', {}, h('a', { href: '/' }, 'Search the platform')));
            main.focus();
        } catch (e) {
            if (e.status === 409) {
                clearErrors(form);
                const profiles = soleProfiles(e.message);
                const box = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': 'sole-admin-title' },
                    h('h3', { class: 'error-summary__title', id: 'sole-admin-title' }, 'Your account was not deleted'),
                    h('p', {}, profiles.length === 1 ? 'You are the only admin of this profile. Add another admin to it, or delete it, first:'
                        : profiles.length ? `You are the only admin of these ${profiles.length} profiles. Add another admin to each, or delete them, first:` : e.message),
                    profiles.length ? h('ul', { class: 'error-summary__list' }, profiles.map(p => h('li', {}, h('a', { href: `/profiles/${enc(p.id)}/draft` }, p.name)))) : null);
                problem.replaceChildren(box);
                box.focus();
            } else if (e.status === 401 && /password/i.test(e.message)) {
                showErrors(form, { fields: { password: 'wrong' } }, { wording: { password: 'The password is not right: the account was not deleted' } });
            } else if (e.status === 401) {
                setSession(null);
                showErrors(form, { message: 'Your session has ended. Sign in again to go on.' });
            } else {
                showErrors(form, e);
            }
        } finally {
            btn.disabled = false;
        }
    });
    return h('section', { class: 'danger-zone', 'aria-labelledby': 'delete-heading' },
        h('h2', { id: 'delete-heading' }, 'Delete your account'),
        h('p', {}, 'Deleting your account cannot be undone. At once:'),
        h('ul', { class: 'list list--bullets' },
            h('li', {}, 'you are signed out everywhere;'),
            h('li', {}, 'your e-mail address, names, organisation, job title and password are erased;'),
            h('li', {}, 'your notifications and follows go, and you leave the admins of your profiles;'),
            h('li', {}, 'comments and interests you posted stay, shown as by “a former user”;'),
            h('li', {}, 'your username stays reserved for a while, then anyone may take it.')),
        h('p', {}, 'A profile of which you are the only admin must first get another admin, or be deleted. You may want to download a copy of your data first.'),
        problem, form);
}
