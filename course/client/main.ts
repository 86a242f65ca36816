/**
 * The course view in the browser (served at /course/, docs/course-view.md). One page, four moments:
 *   - EHR launch (?iss&launch): fhirclient's authorize() sends the browser to the EHR's authorization server;
 *   - back with ?code&state (or ?state from the demonstration launch): fhirclient's ready() gives a
 *     client with the launch's token and patient; the patient's record is read from the FHIR server,
 *     sent to the service for the picture (computed by the engine with the active rule-set version)
 *     and drawn;
 *   - /course/demo: the demonstration launch plays the EHR's part against an open FHIR server;
 *   - anything else: the page's own text says how the app is launched (static HTML).
 */
import FHIR from 'fhirclient';
import type Client from 'fhirclient/lib/Client';
import type { CoursePicture } from '../../engine/course-picture-types.js';
import { drawCourse, h } from './draw-course.js';

interface Settings {
  clientId: string;
  scope: string;
  demoFhirServer: string | null;
}

const REDIRECT = '/course/';
/** FHIR searches the view makes for the patient in context (each read to its last page, at most MAX_PAGES). */
const SEARCHES = ['MedicationAdministration', 'MedicationRequest', 'Procedure', 'Observation', 'Condition'];
const MAX_PAGES = 20;

const main = document.getElementById('main')!;
const status = document.getElementById('status')!;

function show(...nodes: Node[]): void {
  main.replaceChildren(...nodes);
}

function say(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

async function settings(): Promise<Settings> {
  const res = await fetch('/course/api/settings');
  if (!res.ok) throw new Error(`the service did not give the app's settings (HTTP ${res.status})`);
  return (await res.json()) as Settings;
}

function ruleSetFromAppContext(appContext: unknown): string | undefined {
  if (typeof appContext !== 'string' || appContext === '') return undefined;
  const value = new URLSearchParams(appContext).get('ruleSet');
  return value === null || value === '' ? undefined : value;
}

async function readRecord(client: Client): Promise<{ patientName: string; resources: unknown[] }> {
  const patientId = client.getPatientId();
  if (!patientId) throw new Error('the launch gave no patient in context');
  const patient = (await client.request(`Patient/${encodeURIComponent(patientId)}`)) as { name?: Array<{ text?: string; given?: string[]; family?: string }>; id?: string };
  const lists = await Promise.all(
    SEARCHES.map((type) => client.request(`${type}?patient=${encodeURIComponent(patientId)}&_count=100`, { pageLimit: MAX_PAGES, flat: true }) as Promise<unknown[]>),
  );
  const name = patient.name?.[0];
  const patientName = name?.text ?? ([...(name?.given ?? []), name?.family ?? ''].join(' ').trim() || `Patient ${patientId}`);
  return { patientName, resources: [patient, ...lists.flat()] };
}

async function picture(client: Client, resources: unknown[]): Promise<CoursePicture> {
  const ruleSetId = ruleSetFromAppContext(client.state.tokenResponse?.appContext);
  const res = await fetch('/course/api/picture', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...(ruleSetId ? { ruleSetId } : {}), patientId: client.getPatientId(), resources }),
  });
  const body = (await res.json()) as CoursePicture & { message?: string };
  if (!res.ok) throw new Error(`the service could not draw the course: ${body.message ?? `HTTP ${res.status}`}`);
  return body;
}

async function showCourse(): Promise<void> {
  say('Reading the record from the EHR…');
  const client = await FHIR.oauth2.ready();
  const { patientName, resources } = await readRecord(client);
  say('Drawing the course…');
  const course = await picture(client, resources);
  show(drawCourse(course, patientName));
  document.title = `Course: ${patientName}`;
  say(`Course drawn from ${resources.length} FHIR resources.`);
}

async function launch(params: URLSearchParams): Promise<void> {
  say('Launching: asking the EHR for authorization…');
  const s = await settings();
  await FHIR.oauth2.authorize({ clientId: s.clientId, scope: s.scope, redirectUri: REDIRECT, iss: params.get('iss')!, launch: params.get('launch')!, pkceMode: 'ifSupported' });
}

function demoForm(s: Settings, params: URLSearchParams): HTMLElement {
  const field = (id: string, label: string, value: string, help: string): HTMLElement =>
    h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, type: 'text', value, required: '', 'aria-describedby': `${id}-help` }), h('p', { id: `${id}-help`, class: 'help' }, help));
  const form = h('form', { class: 'demo-form', novalidate: '' },
    field('fhir', 'FHIR server', params.get('fhir') ?? s.demoFhirServer ?? '', 'Base URL of an open FHIR R4 server this service\'s clients are allowed to use.'),
    field('patient', 'Patient id', params.get('patient') ?? '', 'The FHIR id of the patient, as the EHR would put in context.'),
    field('appContext', 'App context', params.get('appContext') ?? '', 'What the card\'s link carries (e.g. ruleSet=ketamine-esketamine); may be empty.'),
    h('button', { type: 'submit', class: 'button' }, 'Launch the course view'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form as HTMLFormElement);
    void demoLaunch(s, String(data.get('fhir') ?? '').trim(), String(data.get('patient') ?? '').trim(), String(data.get('appContext') ?? '').trim()).catch(fail);
  });
  return h('section', { class: 'panel' }, h('h1', {}, 'Demonstration launch'),
    h('p', {}, 'This page plays the EHR\'s part: it puts a patient in context and launches the course view against an open FHIR server (no authorization server). In an EHR the card\'s link does this with the EHR launch.'),
    form);
}

async function demoLaunch(s: Settings, fhir: string, patient: string, appContext: string): Promise<void> {
  if (!fhir || !patient) throw new Error('give the FHIR server and the patient id');
  const check = (await (await fetch(`/course/api/fhir-server?url=${encodeURIComponent(fhir)}`)).json()) as { allowed: boolean };
  if (!check.allowed) throw new Error(`the FHIR server ${fhir} is not one this service's clients may use`);
  say('Launching…');
  await FHIR.oauth2.authorize({ clientId: s.clientId, scope: s.scope, redirectUri: REDIRECT, fhirServiceUrl: fhir, patientId: patient, fakeTokenResponse: appContext ? { appContext } : {} });
}

function fail(err: unknown): void {
  say(err instanceof Error ? err.message : String(err), true);
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  if (location.pathname.replace(/\/+$/, '').endsWith('/course/demo')) {
    show(demoForm(await settings(), params));
    return;
  }
  if (params.has('launch') && params.has('iss')) return launch(params);
  if (params.has('state') || params.has('code')) return showCourse();
  // Opened without launch parameters: the page's own text (index.html) explains how it is launched.
}

start().catch(fail);
