// e2e_pages.mjs: the browser walk through the pages of partner search, events and
// matchmaking, and ClusterXchange (catalogue, messages, an exchange's steps), called by
// e2e.mjs with its page, server and checks. The demo data gives demo-user's cluster a
// matchmaking event of its own with two applications waiting, a place in the other one
// with a meeting request to answer, an exchange it proposed and a conversation.
import { readFileSync } from 'node:fs';

// A small PNG (1x1 pixel) to attach and upload as evidence.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

export async function walkPages(t) {
    const { page, base, check, must, shot, axe, signIn, signOut, password } = t;
    const json = async (method, path, token, body) => {
        const res = await fetch(base + path, {
            method, headers: { connection: 'close', 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: res.status === 204 ? null : await res.json().catch(() => null) };
    };
    const tokenOf = async login => (await json('POST', '/v1/sessions', null, { login, password })).body.token;
    const main = page.locator('main');
    const noticeText = async text => { await page.locator('.notice', { hasText: text }).waitFor(); };

    const userToken = await tokenOf('demo-user');
    const me = (await json('GET', '/v1/me', userToken)).body;
    const cluster = me.profiles.find(p => p.type === 'cluster_organisation' && p.state === 'published');
    must(cluster, 'demo-user administers a published cluster');

    // ---- partner search, signed out ----
    await page.goto(`${base}/partner-searches`);
    await page.getByRole('heading', { name: /^\d+ open requests?$/ }).waitFor();
    const openCount = Number((await page.locator('#ps-count').textContent()).match(/\d+/)[0]);
    const openApi = (await json('GET', '/v1/partner-searches?state=open&per_page=1')).body.total;
    check(openCount === openApi && await page.locator('main .result').count() === Math.min(20, openApi), `the partner search list shows the ${openApi} open requests first`);
    await shot(page, 'partner-searches');
    await axe(page, 'the partner search list');
    await page.getByRole('link', { name: 'Closed', exact: true }).click();
    await page.waitForURL(/state=closed/);
    await page.getByRole('heading', { name: /closed requests?$/ }).waitFor();
    check(/closed/.test(await page.locator('#ps-count').textContent()), 'the Closed filter lists closed requests, its state in the URL');

    // the search page's kind filter
    await page.goto(`${base}/?kind=partner_search`);
    await page.getByRole('heading', { name: /results$/ }).waitFor();
    const metas = await page.locator('.result__meta').allTextContents();
    const hrefs = await page.locator('.result__title a').evaluateAll(as => as.map(a => a.getAttribute('href')));
    check(metas.length > 0 && metas.every(m => m.startsWith('Partner search')) && hrefs.every(h => h.startsWith('/partner-searches/')),
        `the search page's kind filter shows partner searches (${metas.length}), each linking to its page`);
    check(await page.locator('input[name=kind][value=partner_search]').isChecked(), 'the kind filter stays ticked');
    await shot(page, 'search-partner-searches');

    // ---- partner search, signed in ----
    await signIn(page, 'demo-user');
    const all = (await json('GET', '/v1/partner-searches?state=open&per_page=100')).body.items;
    const other = all.find(p => p.profile.id !== cluster.id && p.attachments.length) || all.find(p => p.profile.id !== cluster.id);
    await page.goto(`${base}/partner-searches/${other.id}`);
    await page.getByRole('heading', { level: 1, name: other.title }).waitFor();
    if (other.attachments.length) {
        const a = page.locator(`a[href="/v1/attachments/${other.attachments[0].id}"]`);
        check(await a.getAttribute('download') === other.attachments[0].filename, `an attachment is a download link (${other.attachments[0].filename})`);
        const dl = await json('GET', `/v1/attachments/${other.attachments[0].id}`);
        check(dl.status === 200, 'the attachment link answers');
    }
    await page.getByRole('button', { name: 'Follow this request' }).click();
    await noticeText('You follow this request');
    check(await page.getByRole('button', { name: 'Stop following' }).count() === 1 && (await json('GET', `/v1/partner-searches/${other.id}`, userToken)).body.following === true,
        'Follow makes demo-user a follower');
    await page.getByRole('button', { name: 'Stop following' }).click();
    await noticeText('You no longer follow');
    check((await json('GET', `/v1/partner-searches/${other.id}`, userToken)).body.following === false, 'Stop following undoes it');
    await page.getByRole('button', { name: 'Send expression of interest' }).click();
    await page.locator('.error-summary').waitFor();
    check(await page.locator('.form-group--error').count() >= 1, 'an empty expression of interest shows its fields in error');
    await page.getByLabel('Your organisation').fill('Clusterul Mobilitate Cluj-Napoca');
    await page.getByLabel('Message to the author').fill('We bring 200 SMEs in mobility and would like to join.');
    await page.getByRole('button', { name: 'Send expression of interest' }).click();
    await noticeText('Your interest was sent');
    check(true, 'an expression of interest is sent');
    const comment = `A question from the browser test ${Date.now()}`;
    await page.getByLabel('Your comment').fill(comment);
    await page.getByRole('button', { name: 'Post comment' }).click();
    await noticeText('Your comment was posted');
    check(await page.locator('.comment', { hasText: comment }).count() === 1, 'a comment appears under the request');
    await shot(page, 'partner-search');
    await axe(page, 'a partner search');

    // a new request: refused for a profile that may not publish one, then published
    await page.goto(`${base}/partner-searches/new`);
    await page.getByRole('heading', { name: 'Publish a partner search' }).waitFor();
    const draft = me.profiles.find(p => p.id !== cluster.id);
    const fillNew = async title => {
        await page.getByLabel('Title').fill(title);
        await page.getByLabel('Description').fill('We look for three clusters for a Horizon Europe consortium on battery recycling.');
        await page.getByLabel('Mobility, transport and automotive').check();
        await page.getByLabel('Deadline').fill('2027-06-30');
    };
    if (draft) {
        await page.getByLabel('Published by').selectOption(draft.id);
        await fillNew('Partners for battery recycling');
        await page.getByRole('button', { name: 'Publish partner search' }).click();
        await page.locator('.error-summary').waitFor();
        const words = await page.locator('.error-summary').textContent();
        check(/cluster|profile/i.test(words) && !/403/.test(words), `a profile that may not publish is refused in words ("${words.replace(/^There is a problem/, '').trim()}")`);
        await shot(page, 'partner-search-refused');
    }
    await page.getByLabel('Published by').selectOption(cluster.id);
    await fillNew('Partners for battery recycling');
    await page.locator('#ps-files').setInputFiles({ name: 'call.png', mimeType: 'image/png', buffer: PNG });
    await shot(page, 'partner-search-new');
    await axe(page, 'the new partner search form');
    await page.getByRole('button', { name: 'Publish partner search' }).click();
    await page.getByRole('heading', { level: 1, name: 'Partners for battery recycling' }).waitFor();
    check(await page.locator('a[download="call.png"]').count() === 1, 'the new request is published with its attachment');
    await page.getByRole('heading', { name: /Expressions of interest \(0\)/ }).waitFor();
    check(true, "the author's admins see the expressions of interest");
    await page.getByLabel('Title').fill('Partners for battery recycling and reuse');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await noticeText('The request was saved');
    check(await page.getByRole('heading', { level: 1 }).textContent() === 'Partners for battery recycling and reuse', 'the author edits the request');
    await page.getByRole('button', { name: 'Close this request' }).click();
    await noticeText('The request is closed');
    check((await page.locator('.summary-list dd').first().textContent()).startsWith('Closed'), 'the author closes the request');
    // a request of demo-user's cluster with interests: its admins read them
    const ownWithInterest = all.find(p => p.profile.id === cluster.id && p.interests_count > 0);
    if (ownWithInterest) {
        await page.goto(`${base}/partner-searches/${ownWithInterest.id}`);
        await page.getByRole('heading', { name: `Expressions of interest (${ownWithInterest.interests_count})` }).waitFor();
        check(await page.locator('.admin-panel .comment').count() === ownWithInterest.interests_count, `the author's admins read the ${ownWithInterest.interests_count} expressions of interest`);
        await shot(page, 'partner-search-admin');
    }

    // ---- events ----
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { name: /^\d+ events?$/ }).waitFor();
    await shot(page, 'events');
    await axe(page, 'the agenda of events');
    await page.getByLabel('Kind').selectOption('matchmaking');
    await page.getByRole('button', { name: 'Show events' }).click();
    await page.waitForURL(/kind=matchmaking/);
    await page.getByRole('heading', { name: '2 events' }).waitFor();
    check((await page.locator('.result__meta').allTextContents()).every(m => m.startsWith('Matchmaking')), 'the agenda filters by kind, in the URL');
    const evs = (await json('GET', '/v1/events?kind=matchmaking')).body.items;
    const mineEv = evs.find(e => e.profile.id === cluster.id), otherEv = evs.find(e => e.profile.id !== cluster.id);
    must(mineEv && otherEv, "demo-user's cluster organises one matchmaking event and takes part in the other");
    const day = mineEv.starts_at.slice(0, 10);
    await page.goto(`${base}/events?from=${day}&to=${day}`);
    await page.getByRole('heading', { name: /^\d+ events?$/ }).waitFor();
    const titles = await page.locator('.result__title').allTextContents();
    check(titles.includes(mineEv.title) && !titles.includes(otherEv.title), `a date range shows that day's events (${titles.length})`);
    await page.goto(`${base}/events?ecosystem=health`);
    await page.getByRole('heading', { name: /^\d+ events?$/ }).waitFor();
    check(await page.getByLabel('Industrial ecosystem').inputValue() === 'health', 'the ecosystem filter is read from the URL');

    // a new event, then edited
    await page.goto(`${base}/events/new`);
    await page.getByRole('heading', { name: 'Add an event' }).waitFor();
    await page.getByRole('button', { name: 'Add the event' }).click();
    await page.locator('.error-summary').waitFor();
    check(await page.locator('.form-group--error').count() >= 2, 'an empty event shows its fields in error');
    await page.getByLabel('Title').fill('Battery recycling matchmaking');
    await page.getByLabel('Kind').selectOption('matchmaking');
    await page.getByLabel('Starts (UTC)').fill('2027-03-02T09:00');
    await page.getByLabel('Ends (UTC)').fill('2027-03-02T17:00');
    await page.getByLabel('Location').fill('Cluj-Napoca');
    await page.getByLabel('Description', { exact: true }).fill('B2B meetings on battery recycling.');
    await page.getByLabel('Mobility, transport and automotive').check();
    await shot(page, 'event-new');
    await axe(page, 'the new event form');
    await page.getByRole('button', { name: 'Add the event' }).click();
    await page.getByRole('heading', { level: 1, name: 'Battery recycling matchmaking' }).waitFor();
    check(await page.getByText('The event was saved.').count() === 1, 'an organiser adds an event');
    await page.getByRole('link', { name: 'Edit the event' }).click();
    await page.getByLabel('Title').fill('Battery recycling B2B meetings');
    await page.getByRole('button', { name: 'Save the event' }).click();
    await page.getByRole('heading', { level: 1, name: 'Battery recycling B2B meetings' }).waitFor();
    check(true, 'an organiser edits the event');
    await shot(page, 'event');
    await axe(page, 'an event');

    // the organiser's matchmaking: applications, slots, the scheduler, an agenda
    await page.goto(`${base}/events/${mineEv.id}`);
    await page.getByRole('link', { name: 'Run the matchmaking' }).click();
    await page.getByRole('heading', { name: /^Participants/ }).waitFor();
    const waiting = page.locator('tr', { hasText: 'Applied' });
    check(await waiting.count() === 2, 'the organiser sees two applications waiting');
    const firstName = await waiting.first().locator('th').textContent();
    await waiting.first().getByRole('button', { name: 'Accept' }).click();
    await noticeText(`${firstName} was accepted.`);
    const secondName = await page.locator('tr', { hasText: 'Applied' }).first().locator('th').textContent();
    await page.locator('tr', { hasText: 'Applied' }).first().getByRole('button', { name: 'Reject' }).click();
    await noticeText(`${secondName} was not accepted.`);
    check(await page.locator('tr', { hasText: 'Applied' }).count() === 0, 'the organiser accepts one and rejects the other');
    await page.getByLabel('Tables').fill(String(mineEv.tables + 1));
    await page.getByRole('button', { name: 'Save slots and tables' }).click();
    await noticeText('The slots and tables were saved.');
    check((await json('GET', `/v1/events/${mineEv.id}`)).body.tables === mineEv.tables + 1, 'the organiser sets slots and tables');
    await page.getByRole('button', { name: 'Run the scheduler' }).click();
    await noticeText(/The scheduler placed \d+ meeting/);
    const placed = Number((await page.locator('.schedule-result dd').first().textContent()).match(/\d+/)[0]);
    const bound = await page.locator('.schedule-result dt', { hasText: 'Upper bound' }).count();
    check(placed > 0 && bound === 1 && await page.locator('.schedule-result tbody tr').count() === placed,
        `the scheduler's result lists its ${placed} meetings with the upper bound`);
    await shot(page, 'matchmaking-organiser');
    await axe(page, "the organiser's matchmaking");
    // the agenda of the participant the first meeting involves
    const meets = page.locator('.schedule-result tbody tr').first().locator('td').nth(2);
    const withName = await meets.textContent();
    await page.locator('tr', { has: page.locator('th', { hasText: withName }) }).getByRole('link', { name: 'Agenda' }).click();
    await page.getByRole('heading', { name: 'Agenda' }).waitFor();
    check(await page.locator('tbody tr').count() > 0, `a participant's agenda lists its meetings (${withName})`);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: /Download the agenda/ }).click();
    const file = await download;
    const ics = readFileSync(await file.path(), 'utf8');
    check(ics.startsWith('BEGIN:VCALENDAR') && /BEGIN:VEVENT/.test(ics), 'the agenda downloads as iCalendar');

    // taking part in the other one: a request to answer, a request to send, the agenda
    await page.goto(`${base}/events/${otherEv.id}/matchmaking`);
    await page.getByRole('heading', { name: `Taking part as ${cluster.name}` }).waitFor();
    const pending = page.locator('.request', { has: page.getByRole('button', { name: 'Accept' }) }).first();
    const from = await pending.locator('strong').textContent();
    await pending.getByLabel('Fix a slot (optional)').selectOption({ index: 0 });
    await shot(page, 'matchmaking-participant');
    await axe(page, "a participant's matchmaking");
    await pending.getByRole('button', { name: 'Accept' }).click();
    await noticeText(`You accepted the meeting with ${from}.`);
    check(true, 'a participant accepts a meeting request');
    const asked = (await json('GET', `/v1/events/${otherEv.id}/meeting-requests?participant=${cluster.id}`, userToken)).body.items;
    const options = await page.getByLabel('Meet with').locator('option').evaluateAll(os => os.map(o => o.value));
    const free = options.find(v => !asked.some(r => r.from === v || r.to === v));
    if (free) {
        await page.getByLabel('Meet with').selectOption(free);
        await page.getByRole('button', { name: 'Send the meeting request' }).click();
        await noticeText('The meeting request was sent');
        check(true, 'a participant sends a meeting request');
    }
    // applying with a second profile: demo-user's draft once the platform team published it
    // (e2e.mjs submitted it for review earlier in the run)
    if (t.publishDraft) {
        const modToken = await tokenOf('demo-moderator');
        const draftId = me.profiles.find(p => p.id !== cluster.id).id;
        const pub = await json('POST', `/v1/profiles/${draftId}/moderation`, modToken, { decision: 'publish', note: 'Published for the browser test.' });
        must(pub.status === 200, `the platform team publishes demo-user's second profile (${pub.status})`);
        await page.reload();
        await page.getByRole('heading', { name: 'Apply to take part' }).waitFor();
        await page.getByLabel('Take part as').selectOption(draftId);
        await page.getByRole('button', { name: 'Apply' }).click();
        await noticeText('The application was sent to the organiser');
        check(true, 'an admin applies to a matchmaking event with a profile');
        await page.getByLabel('Take part as').selectOption(draftId);
        await page.getByRole('button', { name: 'Apply' }).click();
        await page.locator('.error-summary', { hasText: 'applied already' }).waitFor();
        check(true, 'applying twice is refused in words');
    }
    await page.getByRole('link', { name: 'Your agenda of meetings' }).click();
    await page.getByRole('heading', { name: 'Agenda' }).waitFor();
    await shot(page, 'agenda');
    await axe(page, 'an agenda');

    // ---- ClusterXchange: catalogue, messages, an exchange ----
    await page.goto(`${base}/xchange/catalogue`);
    await page.getByRole('heading', { name: /^\d+ registrations?$/ }).waitFor();
    const box = page.locator('.filters input[name=country]').first();
    const boxLabel = await page.locator(`label[for="${await box.getAttribute('id')}"]`).textContent();
    const n = Number(boxLabel.match(/\(([\d,]+)\)/)[1].replace(/,/g, ''));
    await box.check();
    await page.waitForURL(/country=/);
    await page.getByRole('heading', { name: new RegExp(`^${n} registrations?$`) }).waitFor();
    check(true, `a facet of the catalogue filters it (${boxLabel.trim()})`);
    await shot(page, 'catalogue');
    await axe(page, 'the catalogue');
    await page.goto(`${base}/xchange/catalogue?q=software`);
    await page.getByRole('heading', { name: /^\d+ registrations?$/ }).waitFor();
    check(await page.getByLabel('Words').inputValue() === 'software', 'the catalogue searches by words from the URL');
    // demo-user's open exchanges from the demo data are cancelled first (each side may, before
    // the exchange starts), so that a host's capacity leaves room for the new one
    const myReg = me.xchange_registrations[0];
    const cancellable = ['proposed', 'agreed', 'plan_submitted', 'validated', 'signed', 'ready'];
    const mineX = ((await json('GET', `/v1/xchange/exchanges?registration=${myReg.id}`, userToken)).body || []).filter(x => cancellable.includes(x.state));
    for (const x of mineX)
        must((await json('POST', `/v1/xchange/exchanges/${x.id}/cancel`, userToken, { reason: 'Cleared by the browser test.' })).status === 200, `demo-user's ${x.state} demo exchange is cancelled`);

    // writing to a visitor from the catalogue, then proposing to host them
    const cat = (await json('GET', '/v1/xchange/catalogue?role=visitor&per_page=100', userToken)).body.hits;
    const visitor = cat.find(x => x.roles.length === 1 && x.profile.country !== 'RO' && x.registration_id !== myReg.id);
    must(visitor, 'the catalogue has a visitor from another country');
    await page.goto(`${base}/xchange/catalogue?role=visitor`);
    await page.getByRole('heading', { name: /^\d+ registrations?$/ }).waitFor();
    check(await page.locator('input[name=role][value=visitor]').isChecked(), 'the role facet is read from the URL');
    await page.goto(`${base}/xchange/catalogue?q=${encodeURIComponent(visitor.profile.name)}&role=visitor`);
    await page.getByRole('link', { name: `Write to them (${visitor.profile.name})` }).click();
    await page.getByRole('heading', { name: /^Conversation with/ }).waitFor();
    const hello = `Hello from the browser test ${Date.now()}: could we host you in spring?`;
    await page.getByLabel('Your message').fill(hello);
    await page.getByRole('button', { name: 'Send the message' }).click();
    await noticeText('Your message was sent.');
    check(await page.locator('.message--mine', { hasText: hello }).count() === 1 &&
        await page.locator('.conversation', { hasText: visitor.profile.name }).count() === 1, 'a message is sent from the catalogue and its conversation is listed');
    await shot(page, 'messages');
    await axe(page, 'messages');
    await page.getByLabel('Your organisation would be').selectOption('host');
    await page.getByRole('button', { name: 'Propose an exchange' }).click();
    await Promise.race([page.waitForURL(/\/xchange\/exchanges\//), page.locator('.error-summary').waitFor()]);
    if (await page.locator('.error-summary').count())
        console.log(`  proposing was refused: ${await page.locator('.error-summary').textContent()}`);
    must(/\/xchange\/exchanges\//.test(page.url()), 'an exchange is proposed from the conversation');
    await page.getByRole('heading', { name: 'What you can do' }).waitFor();
    check(await page.locator('.summary-list__row', { hasText: 'State' }).first().locator('dd').textContent() === 'Proposed', 'the new exchange is proposed');
    check((await page.locator('.summary-list__row', { hasText: 'Next step' }).locator('dd').textContent()).startsWith(`Agreement from the visitor (${visitor.profile.name})`),
        'the exchange says which step is expected next, and from whom');
    check(/€\d/.test(await main.textContent()) && await page.locator('.history li').count() === 1, 'the exchange shows its lump sum and history');
    check(await page.getByRole('button', { name: 'Agree to this exchange' }).count() === 0, 'the side that proposed is not offered to agree');
    await shot(page, 'exchange');
    await axe(page, 'an exchange');
    await page.locator('summary', { hasText: 'Cancel the exchange' }).click();
    await page.getByRole('button', { name: 'Cancel the exchange' }).click();
    await page.locator('.error-summary').waitFor();
    check(true, 'cancelling without a reason asks for one');
    await page.getByLabel('Reason for cancelling').fill('Our dates changed; we will propose again.');
    await page.getByRole('button', { name: 'Cancel the exchange' }).click();
    await noticeText('The exchange was cancelled.');
    check(await page.locator('.history li', { hasText: 'Cancelled' }).count() === 1 &&
        /Our dates changed/.test(await page.locator('.summary-list__row', { hasText: 'Next step' }).textContent()), 'a side cancels with a reason; the history and the page show it');

    // the whole lifecycle on the pages, demo-user on both sides: its second profile (published
    // above) registers as a visitor and proposes to visit its cluster
    if (t.publishDraft) {
        const modToken = await tokenOf('demo-moderator');
        const second = me.profiles.find(p => p.id !== cluster.id);
        const hostReg = (await json('GET', `/v1/xchange/registrations/${myReg.id}`, userToken)).body;
        const avail = hostReg.availability[0];
        const reg = await json('POST', '/v1/xchange/registrations', userToken, {
            profile_id: second.id, roles: ['visitor'], ecosystems: hostReg.ecosystems, target_countries: [cluster.country || 'RO'],
            objectives: ['market_exploration'], languages: ['en'], availability: [avail], duration_days: { min: 3, max: 20 },
            offer: 'Training in port logistics.', demand: 'How a mobility cluster runs its services.',
        });
        must(reg.status === 201, `demo-user's second profile registers as a visitor (${reg.status} ${JSON.stringify(reg.body).slice(0, 200)})`);
        must((await json('POST', `/v1/xchange/registrations/${reg.body.id}/decision`, modToken, { decision: 'accept' })).status === 200, 'the platform team accepts it');
        const px = await json('POST', '/v1/xchange/exchanges', userToken, { visitor: reg.body.id, host: myReg.id });
        must(px.status === 201, `the visitor proposes to visit demo-user's cluster (${px.status} ${JSON.stringify(px.body).slice(0, 200)})`);
        const xurl = `${base}/xchange/exchanges/${px.body.id}`;
        const stateIs = async want => (await page.locator('.summary-list__row', { hasText: 'State' }).first().locator('dd').textContent()) === want;
        await page.goto(xurl);
        await page.getByRole('button', { name: 'Agree to this exchange' }).click();
        await noticeText('You agreed to the exchange.');
        check(await stateIs('Agreed by both sides'), 'the host agrees on the page');
        // a working week inside the availability
        const d = new Date(`${avail.from}T00:00:00Z`);
        while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
        const day = n => new Date(d.getTime() + n * 86400000).toISOString().slice(0, 10);
        await page.getByLabel('First day').fill(day(0));
        await page.getByLabel('Last day').fill(day(4));
        await page.locator('.form-group[data-field=objectives]').getByLabel('Market exploration').check();
        await page.getByLabel('Action plan').fill('Day 1: the cluster and its services. Days 2-4: visits to members. Day 5: follow-up.');
        await page.getByLabel('Expected outcomes').fill('Two joint training offers.');
        await page.getByLabel('Responsibilities of each side').fill('The host organises the visits; the visitor reports.');
        await page.getByRole('button', { name: 'Submit the plan' }).click();
        await noticeText('The plan was submitted for validation.');
        check(await stateIs('Plan submitted') && /Validation by the partnership contact point/.test(await page.locator('.summary-list__row', { hasText: 'Next step' }).textContent()),
            'the plan is submitted; the page names the validation as the next step');
        await shot(page, 'exchange-plan-submitted');
        await axe(page, 'an exchange with its plan');
        await signOut(page);
        await signIn(page, 'demo-moderator');
        await page.goto(xurl);
        await page.getByRole('button', { name: 'Validate the plan for the visitor' }).click();
        await noticeText('validated for the visitor');
        await page.getByRole('button', { name: 'Validate the plan for the host' }).click();
        await noticeText('validated for the host');
        check(await stateIs('Plan validated'), 'the moderator validates the plan for both sides');
        await signOut(page);
        await signIn(page, 'demo-user');
        await page.goto(xurl);
        await page.getByRole('button', { name: 'Sign as the visitor and the host' }).click();
        await noticeText('You signed the exchange.');
        check(await stateIs('Signed by both sides'), 'an admin of both sides signs for both on the page');
        await signOut(page);
        await signIn(page, 'demo-moderator');
        await page.goto(xurl);
        await page.getByRole('button', { name: 'Record the financial agreement' }).click();
        await noticeText('The financial agreement is recorded.');
        check(await stateIs('Financial agreement in place'), "the visitor's contact point records the financial agreement");
        await signOut(page);
        await signIn(page, 'demo-user');
        await page.goto(xurl);
        await page.getByRole('button', { name: 'Start the exchange' }).click();
        await noticeText('The exchange has started.');
        check(await stateIs('In progress') && await page.locator('summary', { hasText: 'Cancel the exchange' }).count() === 0, 'a side starts the exchange; it can no longer be cancelled');
        await page.getByLabel('Summary of the exchange').fill('We met eight member companies and two training centres.');
        await page.getByLabel('Outcomes').fill('A joint training offer for port and automotive logistics.');
        await page.locator('#evidence').setInputFiles({ name: 'attendance.png', mimeType: 'image/png', buffer: PNG });
        await page.getByRole('button', { name: 'Submit the closing report' }).click();
        await noticeText('The closing report was submitted.');
        check(await stateIs('Closing report submitted') && await page.locator('a[href^="/v1/attachments/"]').count() === 1,
            'the visitor submits the closing report with its evidence uploaded');
        await shot(page, 'exchange-report');
        await axe(page, 'an exchange with its closing report');
        await signOut(page);
        await signIn(page, 'demo-moderator');
        await page.goto(xurl);
        await page.getByRole('button', { name: 'Complete the exchange' }).click();
        await noticeText('The exchange is completed.');
        check(await stateIs('Completed') && await page.locator('.history li').count() >= 10 && await page.locator('.history li', { hasText: 'Closing report submitted' }).count() === 1,
            'the moderator completes it; the history holds every step');
        await signOut(page);
    } else {
        await signOut(page);
    }

    // the platform team reads the visitor's side: the message is unread there
    await signIn(page, 'demo-moderator');
    await page.goto(`${base}/xchange/messages?registration=${visitor.registration_id}`);
    const conv = page.locator('.conversation', { hasText: cluster.name });
    await conv.waitFor();
    check(await conv.locator('.badge').textContent() === '1 unread', 'the message is unread on the other side, with its count');
    await conv.getByRole('link').click();
    await page.locator('.message', { hasText: hello }).waitFor();
    check(await page.getByLabel('Your message').count() === 0, 'a moderator reads a conversation without writing in it');
    // the moderator's steps on the demo exchanges
    const modToken = await tokenOf('demo-moderator');
    const regs = (await json('GET', '/v1/xchange/registrations?state=accepted&per_page=100', modToken)).body;
    const byState = {};
    for (const r of regs.items || []) {
        if (byState.plan_submitted && byState.signed && byState.report_submitted) break;
        const list = (await json('GET', `/v1/xchange/exchanges?registration=${r.id}`, modToken)).body || [];
        for (const x of list) byState[x.state] = byState[x.state] || x;
    }
    const step = async (state, buttons, done) => {
        const x = byState[state];
        if (!x) {
            check(false, `the demo data has an exchange in state ${state}`);
            return;
        }
        await page.goto(`${base}/xchange/exchanges/${x.id}`);
        await page.getByRole('heading', { name: 'What you can do' }).waitFor();
        for (const [b, msg] of buttons) {
            await page.getByRole('button', { name: b }).click();
            await noticeText(msg);
        }
        check((await page.locator('.summary-list__row', { hasText: 'State' }).first().locator('dd').textContent()) === done, `the moderator moves an exchange from ${state} to "${done}"`);
    };
    await step('plan_submitted', [['Validate the plan for the visitor', 'validated for the visitor'], ['Validate the plan for the host', 'validated for the host']], 'Plan validated');
    await step('signed', [['Record the financial agreement', 'financial agreement is recorded']], 'Financial agreement in place');
    await step('report_submitted', [['Complete the exchange', 'The exchange is completed.']], 'Completed');
    await shot(page, 'exchange-completed');
    await axe(page, 'a completed exchange');
    await signOut(page);

    // on a phone: nothing wider than the screen
    if (t.browser) {
        const phone = await t.browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
        const pp = await phone.newPage();
        for (const [path, name] of [[`/partner-searches/${other.id}`, 'partner search'], ['/events', 'events'], [`/events/${mineEv.id}`, 'event']]) {
            await pp.goto(base + path);
            await pp.getByRole('heading', { level: 1 }).waitFor();
            await pp.locator('.loading').waitFor({ state: 'detached' });
            const overflow = await pp.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
            check(overflow <= 0, `the ${name} page fits a phone's screen (${overflow} px over)`);
            await t.phoneShot(pp, `phone-${name.replace(/ /g, '-')}`);
        }
        await phone.close();
    }
}
