/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWithTools, findSystemTool } from '@osa/openstack-testkit';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { ControllerProcess } from './support/controller-process';
import { ownLoopbackPrefix } from './support/loopback';
import { operatorControllerConfig } from './support/operator-controller-config';
import { PacedLoad } from './support/paced-load';
import { LOGGED } from './support/log-lines';

const ADMIN_TOKEN = `ui-${'77aa88bb99cc'.repeat(4)}`;
/** Debian's chromium; no browser is ever downloaded. */
const CHROMIUM = { name: 'chromium', install: 'apt-get install -y chromium' };
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** What a person sees in the page at one moment. */
interface PageView {
  gate: string;
  gateState: string;
  connection: string;
  rows: Array<{ name: string; phase: string }>;
  samples: number;
  timeline: Array<{ kind: string; state: string; instance: string; phases: string[] }>;
}

function look(page: Page): Promise<PageView> {
  return page.evaluate(() => ({
    gate: document.getElementById('gate')?.textContent ?? '',
    gateState: (document.getElementById('gate') as HTMLElement).dataset.state ?? '',
    connection: document.getElementById('connection')?.textContent ?? '',
    rows: [...document.querySelectorAll<HTMLTableRowElement>('#instances tbody tr')].map((row) => ({
      name: row.cells[0].textContent ?? '',
      phase: row.cells[3].textContent ?? '',
    })),
    samples: Number((document.getElementById('chart') as HTMLElement).dataset.samples),
    timeline: [...document.querySelectorAll<HTMLElement>('#timeline li')].map((item) => ({
      kind: item.dataset.kind ?? '',
      state: item.dataset.state ?? '',
      instance: item.dataset.instance ?? '',
      phases: [...item.querySelectorAll<HTMLElement>('.segment')].map(
        (segment) => segment.dataset.phase ?? '',
      ),
    })),
  }));
}

/** A person who answers OK to every confirmation; returns the questions asked, in order. */
function acceptConfirmations(page: Page): string[] {
  const asked: string[] = [];
  page.on('dialog', (dialog) => {
    asked.push(dialog.message());
    void dialog.accept();
  });
  return asked;
}

/**
 * The dashboard at /ui in real headless Chromium, against the built controller on the local
 * provider with real traffic: what a person sees during a scale-out and after an action.
 * Set OSA_DASHBOARD_SCREENSHOT=docs/images/dashboard.png to refresh the README's picture.
 */
describeWithTools([CHROMIUM], 'dashboard in headless Chromium', () => {
  jest.setTimeout(150_000);
  let controller: ControllerProcess | undefined;
  let context: BrowserContext | undefined;
  let load: PacedLoad | undefined;
  let profileDir: string | undefined;

  afterEach(async () => {
    await load?.stop();
    load = undefined;
    await context?.close();
    context = undefined;
    await controller?.stop();
    controller = undefined;
    if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  });

  /** Debian's Chromium with a fresh profile; no browser download, no sync, no first-run. */
  async function openBrowser(): Promise<Page> {
    profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osa-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: findSystemTool(CHROMIUM.name),
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 900 },
    });
    return context.pages()[0] ?? (await context.newPage());
  }

  it('asks for the token once, shows a scale-out live (phases, 503 gate, chart, timeline), and removes an instance on a confirmed click', async () => {
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start(
      operatorControllerConfig(prefix, {
        bearerToken: ADMIN_TOKEN,
        bootDelayMs: 2_500,
        workDelayMs: 20,
        thresholdRequests: 150,
        maxInstances: 2,
        healthIntervalMs: 300,
      }),
    );
    const { proxy, admin } = await controller.addresses();
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);

    const page = await openBrowser();
    const confirmations = acceptConfirmations(page);
    const pageUrl = `http://${admin.host}:${admin.port}/ui`;
    await page.goto(pageUrl);

    // The token is asked for once and kept only in this tab.
    await page.locator('#token-input').fill(ADMIN_TOKEN);
    await page.locator('#token-form button[type=submit]').click();
    await page.waitForFunction(
      () => document.getElementById('connection')?.textContent === 'live',
      undefined,
      { timeout: 15_000 },
    );
    expect(page.url()).toBe(pageUrl);
    expect(await page.context().cookies()).toEqual([]);
    expect(
      await page.evaluate(() => [sessionStorage.getItem('osa.adminToken'), localStorage.length]),
    ).toEqual([ADMIN_TOKEN, 0]);
    expect((await look(page)).rows).toEqual([{ name: 'service-vm-1', phase: 'admitted' }]);

    // Real traffic: the 150th request starts a scale-out; the page is watched as a person would.
    load = new PacedLoad(proxy.host, proxy.port, 25, 60_000);
    const seenPhases: string[] = [];
    const seenGates = new Set<string>();
    let screenshotTaken = false;
    const deadline = Date.now() + 60_000;
    let view = await look(page);
    while (Date.now() < deadline) {
      view = await look(page);
      seenGates.add(view.gate);
      const clone = view.rows.find((row) => row.name.startsWith('service-auto-'));
      if (clone && seenPhases[seenPhases.length - 1] !== clone.phase) seenPhases.push(clone.phase);
      if (
        clone?.phase === 'booting' &&
        view.gateState === 'rejecting' &&
        !screenshotTaken &&
        view.samples >= 5
      ) {
        screenshotTaken = true;
        const target = process.env.OSA_DASHBOARD_SCREENSHOT;
        if (target) await page.screenshot({ path: path.resolve(target), fullPage: true });
      }
      if (
        clone?.phase === 'admitted' &&
        view.timeline.some((item) => item.kind === 'scale-out' && item.state === 'admitted')
      )
        break;
      await page.waitForTimeout(40);
    }
    expect(seenPhases).toEqual(expect.arrayContaining(['booting', 'admitted']));
    expect(seenPhases.indexOf('booting')).toBeLessThan(seenPhases.indexOf('admitted'));
    expect(seenGates).toContain('503 while scaling');
    expect(view.gate).toBe('gate open');
    const scaleOut = view.timeline.find((item) => item.kind === 'scale-out');
    expect(scaleOut).toMatchObject({
      state: 'admitted',
      phases: ['creating', 'booting', 'addressing', 'health-checking'],
    });
    expect(view.timeline.some((item) => item.kind === 'traffic-switch')).toBe(true);
    // The chart kept receiving one sample a second, and drew them.
    await page.waitForFunction(
      (before) =>
        Number((document.getElementById('chart') as HTMLElement).dataset.samples) > before + 1,
      view.samples,
      { timeout: 10_000 },
    );
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#sample-info').textContent()).toMatch(
      /^[\d.]+ req\/s · \d+ in flight · p50 [\d.]+ ms/,
    );
    await load.stop();
    load = undefined;

    // Drain and remove the new instance, confirmed in the browser's dialog.
    const clone = view.rows.find((row) => row.name.startsWith('service-auto-'))?.name as string;
    await page.locator(`#instances tr[data-name="${clone}"] button`).click();
    await page.waitForFunction(
      (name) => !document.querySelector(`#instances tr[data-name="${name}"]`),
      clone,
      { timeout: 30_000 },
    );
    expect(confirmations).toEqual([expect.stringContaining(`Drain and remove ${clone}?`)]);
    expect(await page.locator('#notice').textContent()).toContain('is draining');
    await page.waitForFunction(
      () =>
        document.querySelector('#timeline li[data-kind="scale-in"][data-state="removed"]') !== null,
      undefined,
      { timeout: 10_000 },
    );
    expect((await look(page)).rows).toEqual([{ name: 'service-vm-1', phase: 'admitted' }]);
    // Nothing of the token went into the page's URL or a cookie along the way.
    expect(page.url()).toBe(pageUrl);
    expect(await page.context().cookies()).toEqual([]);
  });

  it('without a token (loopback): no token asked, and the actions of the page pass the Origin rule: pause, then set desired', async () => {
    const prefix = ownLoopbackPrefix();
    controller = ControllerProcess.start(
      operatorControllerConfig(prefix, { thresholdRequests: 1000 }),
    );
    const { admin } = await controller.addresses();
    await controller.waitForLog(LOGGED.originalAdmitted, 20_000);
    const page = await openBrowser();
    const confirmations = acceptConfirmations(page);
    await page.goto(`http://${admin.host}:${admin.port}/ui`);
    await page.waitForFunction(
      () => document.getElementById('connection')?.textContent === 'live',
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.locator('#token-dialog').getAttribute('open')).toBeNull();

    await page.locator('#pause-button').click();
    await page.waitForFunction(
      () => document.getElementById('autoscaling')?.textContent === 'autoscaling paused',
      undefined,
      { timeout: 10_000 },
    );
    await page.locator('#desired-input').fill('2');
    await page.locator('#desired-form button[type=submit]').click();
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#instances tbody tr')].some(
          (row) =>
            (row as HTMLTableRowElement).cells[3].textContent === 'admitted' &&
            row.getAttribute('data-name')?.startsWith('service-auto-'),
        ),
      undefined,
      { timeout: 30_000 },
    );
    expect(confirmations).toEqual([
      expect.stringContaining('Pause autoscaling?'),
      'Set the desired number of instances to 2?',
    ]);
    expect(await page.locator('#counts').textContent()).toMatch(/^desired 2 \/ actual 2/);
  });
});
