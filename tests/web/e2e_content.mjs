// e2e_content.mjs: the browser walk through a profile's content and a person's own data,
// called by e2e.mjs with its page, server and checks: demo-user posts, edits and deletes
// news on their published cluster and everyone reads it; uploads a logo and a contact
// photo (a text file, a file over 2 MB and an image too large in pixels are refused in
// words; a good one shows at once, on the public page too); a moderator sees the images
// beside the draft in the queue; a new account downloads its data, changes its
// newsletters and deletes itself with its password; demo-user's deletion is refused,
// naming the profiles they alone administer; on a phone, the profile, the draft's image
// forms and the data page fit the screen.
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/* ---- PNG files written here ---- */

function crc32(buf) {
    let crc = 0xffffffff;
    for (const b of buf) {
        let c = (crc ^ b) & 0xff;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        crc = (crc >>> 8) ^ c;
    }
    return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(w, h) {
    const d = Buffer.alloc(13);
    d.writeUInt32BE(w, 0);
    d.writeUInt32BE(h, 4);
    d[8] = 8; // bit depth
    d[9] = 2; // RGB
    return chunk('IHDR', d);
}

// A w x h RGB PNG, pixel(x, y) -> [r, g, b].
function png(w, h, pixel) {
    const row = w * 3 + 1;
    const raw = Buffer.alloc(row * h);
    for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) raw.set(pixel(x, y), y * row + 1 + x * 3);
    return Buffer.concat([SIGNATURE, ihdr(w, h), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// The logo: twelve yellow stars in a ring on blue, 160 x 96.
const LOGO = png(160, 96, (x, y) => {
    for (let i = 0; i < 12; i++) {
        const a = (i / 12) * 2 * Math.PI;
        const sx = 80 + 34 * Math.cos(a), sy = 48 + 34 * Math.sin(a);
        if ((x - sx) ** 2 + (y - sy) ** 2 < 20) return [255, 204, 0];
    }
    return [0, 51, 153];
});
// The contact photo: a grey head and shoulders on a light background, 96 x 96.
const PHOTO = png(96, 96, (x, y) => {
    const head = (x - 48) ** 2 + (y - 36) ** 2 < 18 ** 2;
    const body = y > 60 && (x - 48) ** 2 / 36 ** 2 + (y - 96) ** 2 / 34 ** 2 < 1;
    return head || body ? [80, 90, 95] : [230, 236, 240];
});
// A PNG header claiming 5,000 x 5,000 pixels (over the 4,096 a side).
const HUGE = Buffer.concat([SIGNATURE, ihdr(5000, 5000), chunk('IEND', Buffer.alloc(0))]);
// Over 2 MiB, starting like a PNG.
const HEAVY = Buffer.concat([LOGO, Buffer.alloc(2 * 1024 * 1024 + 1024)]);

export async function walkContent(t) {
    const { page, base, check, must, shot, axe, signIn, signOut, password, browser, phoneShot } = t;
    const json = async (method, path, token, body) => {
        const res = await fetch(base + path, {
            method, headers: { connection: 'close', 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: res.status === 204 ? null : await res.json().catch(() => null) };
    };
    const tokenOf = async login => (await json('POST', '/v1/sessions', null, { login, password })).body.token;
    const notice = text => page.locator('.notice', { hasText: text }).waitFor();
    // Whether an image matching sel has loaded with the given natural width (within 10 s).
    const loaded = (sel, width) => page.waitForFunction(([s, w]) => [...document.querySelectorAll(s)].some(i => i.complete && i.naturalWidth === w),
        [sel, width], { timeout: 10000 }).then(() => true, () => false);

    const userToken = await tokenOf('demo-user');
    const me = (await json('GET', '/v1/me', userToken)).body;
    const cluster = me.profiles.find(p => p.type === 'cluster_organisation' && p.state === 'published');
    must(cluster, 'demo-user administers a published cluster');
    const newsPath = `/v1/profiles/${cluster.id}/news`;

    // ---- news: post, edit, delete as an admin ----
    await signIn(page, 'demo-user');
    await page.goto(`${base}/profiles/${cluster.id}`);
    await page.getByRole('heading', { name: 'News', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Post the news' }).click();
    await page.locator('.error-summary').waitFor();
    check(await page.locator('.news__form .form-group--error').count() === 2, 'posting empty news names the title and the text as missing');
    const form = page.locator('form.news__form');
    await form.getByLabel('Title').fill('Hydrogen valley kick-off');
    await form.getByLabel('Text').fill('Forty members start on Monday.\n\nJoin us in Lyon for the first working group.');
    await page.getByRole('button', { name: 'Post the news' }).click();
    await notice('is posted');
    const first = page.locator('.news__item').first();
    check(await first.locator('.news__title').textContent() === 'Hydrogen valley kick-off' &&
        await first.locator('p').count() >= 3, 'posted news is first in the list, its paragraphs kept');
    let api = (await json('GET', newsPath)).body;
    check(api.items[0].title === 'Hydrogen valley kick-off', 'the news is stored and public (GET …/news)');
    await shot(page, 'profile-news-admin');
    await axe(page, 'a profile with its news, as its admin');
    // edit
    await first.getByRole('button', { name: 'Edit' }).click();
    const title = first.getByLabel('Title');
    check(await title.evaluate(el => el === document.activeElement), 'Edit puts the cursor in the title');
    await title.fill('Hydrogen valley kick-off: the programme');
    await first.getByRole('button', { name: 'Save the changes' }).click();
    await notice('is saved');
    api = (await json('GET', newsPath)).body;
    check(await first.locator('.news__title').textContent() === 'Hydrogen valley kick-off: the programme' &&
        api.items[0].title === 'Hydrogen valley kick-off: the programme', 'an edit shows at once and is stored');
    // a second item, deleted after a confirmation
    await form.getByLabel('Title').fill('A mistake to delete');
    await form.getByLabel('Text').fill('Posted by mistake.');
    await page.getByRole('button', { name: 'Post the news' }).click();
    await notice('is posted');
    const before = (await json('GET', newsPath)).body.total;
    const wrong = page.locator('.news__item', { hasText: 'A mistake to delete' });
    await wrong.getByRole('button', { name: 'Delete' }).click();
    await wrong.getByRole('button', { name: 'Yes, delete it' }).waitFor();
    check(await wrong.getByRole('button', { name: 'Yes, delete it' }).evaluate(el => el === document.activeElement),
        'Delete asks first, the confirmation focused');
    await shot(page, 'news-delete-confirm');
    await axe(page, 'deleting news, the confirmation');
    await wrong.getByRole('button', { name: 'Yes, delete it' }).click();
    await notice('is deleted');
    api = (await json('GET', newsPath)).body;
    check(api.total === before - 1 && !api.items.some(n => n.title === 'A mistake to delete') &&
        await page.locator('.news__item', { hasText: 'A mistake to delete' }).count() === 0, 'deleted news leaves the page and the store');

    // ---- logo and contact photo on the draft page ----
    await page.goto(`${base}/profiles/${cluster.id}/draft`);
    await page.getByRole('heading', { name: 'Logo and contact photo' }).waitFor();
    const logoForm = page.locator('[data-slot=logo] form');
    const logoInput = page.getByLabel('A new logo');
    const tryLogo = async (file, words, what) => {
        await logoInput.setInputFiles(file);
        await page.getByRole('button', { name: 'Upload the logo' }).click();
        await page.locator('.error-summary', { hasText: words }).waitFor();
        check(await logoForm.locator('.form-group--error .error-message', { hasText: words }).count() === 1, `${what} is refused in words beside the file input`);
    };
    const logoNow = async () => {
        const res = await fetch(`${base}/v1/profiles/${cluster.id}/logo`, { headers: { connection: 'close' } });
        return `${res.status}:${Buffer.from(await res.arrayBuffer()).toString('base64')}`;
    };
    const logoBefore = await logoNow();
    await page.getByRole('button', { name: 'Upload the logo' }).click();
    await page.locator('.error-summary', { hasText: 'Choose a PNG or JPEG file for the logo' }).waitFor();
    check(true, 'uploading with no file chosen asks for one');
    await tryLogo({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image at all') }, 'notes.txt is not a PNG or JPEG image', 'a text file (415)');
    await tryLogo({ name: 'heavy.png', mimeType: 'image/png', buffer: HEAVY }, 'heavy.png is larger than 2 MB', 'a file over 2 MiB (413)');
    await tryLogo({ name: 'huge.png', mimeType: 'image/png', buffer: HUGE }, /huge\.png cannot be used: the image must be between 1 and 4096 pixels/, 'an image over 4,096 pixels a side (422)');
    await shot(page, 'logo-error');
    await axe(page, 'the draft page with an image refused');
    check(await logoNow() === logoBefore, 'refused images change nothing');
    await logoInput.setInputFiles({ name: 'stars.png', mimeType: 'image/png', buffer: LOGO });
    await page.getByRole('button', { name: 'Upload the logo' }).click();
    await notice('The logo is changed: stars.png');
    check(await loaded('[data-slot=logo] img', 160), 'the new logo shows at once (160 px wide)');
    await page.getByLabel('A new photo of the contact person').setInputFiles({ name: 'eva.png', mimeType: 'image/png', buffer: PHOTO });
    await page.getByRole('button', { name: 'Upload the photo' }).click();
    await notice('The photo is changed: eva.png');
    check(await loaded('[data-slot=contact_photo] img', 96), 'the new contact photo shows at once');
    const served = await fetch(`${base}/v1/profiles/${cluster.id}/logo`, { headers: { connection: 'close' } });
    check(served.status === 200 && Buffer.from(await served.arrayBuffer()).equals(LOGO), 'the stored logo is the uploaded file, public at once');
    await shot(page, 'draft-images');
    await axe(page, 'the draft page with its images');
    await page.goto(`${base}/profiles/${cluster.id}`);
    const publicLogo = page.locator('img.profile__logo');
    check(await loaded('img.profile__logo', 160) && await publicLogo.getAttribute('alt') === `Logo of ${cluster.name}`,
        'the published profile shows the new logo without moderation, with its alternative text');

    // ---- a draft with its images goes to the queue; the moderator sees them beside it ----
    await page.goto(`${base}/profiles/${cluster.id}/draft`);
    await page.getByRole('heading', { name: 'Validation check' }).waitFor();
    const desc = page.getByLabel('Description');
    await desc.fill(`${(await desc.inputValue()).trim()}\n\nNow with a hydrogen valley.`);
    await page.getByRole('button', { name: 'Save the draft' }).click();
    await notice('The draft is saved');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByText('The profile is submitted').waitFor();
    await signOut(page);
    // signed out: the news is public, without the admins' buttons
    await page.goto(`${base}/profiles/${cluster.id}`);
    await page.locator('.news__item').first().waitFor();
    check(await page.locator('.news__item').first().locator('.news__title').textContent() === 'Hydrogen valley kick-off: the programme' &&
        await page.getByRole('button', { name: 'Edit' }).count() === 0 && await page.locator('form.news__form').count() === 0,
    'everyone reads the news, newest first, without the admins\' forms');
    await shot(page, 'profile-news-public');
    await axe(page, 'a profile with its news, signed out');
    await signIn(page, 'demo-moderator');
    const modToken = await tokenOf('demo-moderator');
    let at = -1;
    for (let p = 1; at < 0 && p <= 50; p++) {
        const q = (await json('GET', `/v1/moderation/queue?page=${p}&per_page=20`, modToken)).body;
        const i = q.items.findIndex(it => it.id === cluster.id);
        if (i >= 0) at = (p - 1) * 20 + i;
        if (!q.items.length) break;
    }
    must(at >= 0, 'the edited cluster waits in the moderation queue');
    await page.goto(`${base}/moderation?page=${Math.floor(at / 20) + 1}`);
    const item = page.locator('.queue__item', { has: page.locator(`a[href="/profiles/${cluster.id}/draft"]`) });
    await item.waitFor();
    const imgs = item.locator('.queue__images img');
    check(await loaded(`.queue__item:has(a[href="/profiles/${cluster.id}/draft"]) .queue__images img`, 160) && await imgs.count() === 2 &&
        await imgs.first().getAttribute('alt') === `Logo of ${cluster.name}`, 'the moderation queue shows the logo and the photo beside the draft');
    await item.scrollIntoViewIfNeeded();
    await page.screenshot({ path: t.shotPath('moderation-images'), clip: await item.boundingBox() });
    await axe(page, 'the moderation queue with images');
    await page.locator(`.queue__item a[href="/profiles/${cluster.id}/draft"]`).click();
    await page.getByRole('heading', { name: 'Logo and contact photo' }).waitFor();
    await page.locator('.images img').first().waitFor();
    check(await loaded('.images img', 96) && await page.locator('.images img').count() === 2 && await page.locator('.images input[type=file]').count() === 0,
        'the draft as a moderator reads it shows the images, without upload forms');
    await signOut(page);

    // ---- the account's data page: refused while the only admin of profiles ----
    await signIn(page, 'demo-user');
    await page.getByRole('link', { name: 'Download your data, choose your newsletters or delete your account' }).click();
    await page.getByRole('heading', { name: 'Your data', level: 1 }).waitFor();
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    const refusal = page.locator('.error-summary', { hasText: 'Your account was not deleted' });
    await refusal.waitFor();
    const named = await refusal.locator('a').evaluateAll(as => as.map(a => a.getAttribute('href')));
    const mine = new Set(me.profiles.map(p => `/profiles/${p.id}/draft`));
    check(named.length >= 1 && named.every(h => mine.has(h)) && await refusal.evaluate(el => el === document.activeElement),
        `deleting an account that alone administers profiles is refused, naming ${named.length} of them as links (focused)`);
    check((await json('GET', '/v1/me', userToken)).status === 200, 'the refused account still exists');
    await shot(page, 'delete-refused');
    await axe(page, 'the data page, deletion refused');
    await signOut(page);

    // ---- a new account: download, newsletters, deletion ----
    const email = 'data.person@example.eu';
    const made = await json('POST', '/v1/users', null, {
        username: 'Dana Person', email, email_confirm: email, password, organisation_name: 'Person Widgets',
        country: 'AT', title: 'Engineer', newsletters: ['monthly'],
    });
    must(made.status === 201, 'a new account for the data page');
    await signIn(page, email);
    await page.goto(`${base}/account/data`);
    await page.getByRole('heading', { name: 'Your data', level: 1 }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my data' }).click()]);
    const copy = JSON.parse(readFileSync(await download.path(), 'utf8'));
    check(download.suggestedFilename() === 'my-data.json' && copy.account && copy.account.email === email &&
        copy.account.username === 'Dana Person' && Array.isArray(copy.notifications ? copy.notifications.items : []),
    'Download my data saves my-data.json with the account as the API shows it');
    check(await page.getByLabel('The monthly newsletter').isChecked() && !await page.getByLabel('The quarterly newsletter').isChecked(),
        'the newsletters chosen at registration are ticked');
    await page.getByLabel('The monthly newsletter').uncheck();
    await page.getByLabel('The quarterly newsletter').check();
    await page.getByRole('button', { name: 'Save the newsletter choices' }).click();
    await notice('Saved: you receive the quarterly newsletter.');
    const danaToken = await tokenOf(email);
    check(JSON.stringify((await json('GET', '/v1/me', danaToken)).body.newsletters) === '["quarterly"]', 'the new newsletter choice is stored');
    await shot(page, 'data-page');
    await axe(page, 'the data page');
    // a wrong password, then the right one
    await page.getByLabel('Your password').fill('not my password');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.locator('.form-group[data-field=password].form-group--error', { hasText: 'The password is not right' }).waitFor();
    check((await json('GET', '/v1/me', danaToken)).status === 200 && await page.getByRole('link', { name: 'Your account', exact: true }).count() === 1,
        'a wrong password is said beside the field; the account and the session stay');
    await shot(page, 'delete-wrong-password');
    await page.getByLabel('Your password').fill(password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your account is deleted' }).waitFor();
    check(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).count() === 1, 'after deletion the page says so and offers Sign in');
    check((await json('POST', '/v1/sessions', null, { login: email, password })).status === 401 &&
        (await json('GET', '/v1/me', danaToken)).status === 401, 'the deleted account cannot sign in and its sessions are revoked');
    await shot(page, 'account-deleted');
    await axe(page, 'the account deleted');

    // ---- on a phone: the profile with its news and logo, the draft's image forms and
    // the data page fit the screen ----
    if (browser) {
        const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
        const pp = await phone.newPage();
        const fits = async (path, name, heading) => {
            await pp.goto(base + path);
            await pp.getByRole('heading', heading).waitFor();
            await pp.locator('.loading').waitFor({ state: 'detached' });
            const overflow = await pp.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
            check(overflow <= 0, `the ${name} fits a phone's screen (${overflow} px over)`);
            await pp.getByRole('heading', heading).scrollIntoViewIfNeeded();
            await phoneShot(pp, `phone-${name.replace(/ /g, '-')}`);
        };
        await fits(`/profiles/${cluster.id}`, 'profile page with its news', { name: 'News', exact: true });
        await signIn(pp, 'demo-user');
        await fits(`/profiles/${cluster.id}/draft`, 'draft page with its images', { name: 'Logo and contact photo' });
        await fits('/account/data', 'data page', { name: 'Your data', level: 1 });
        await phone.close();
    }
}
