/**
 * The course view: a SMART on FHIR app the clinician opens from a card (docs/course-view.md), mounted
 * by server/app.ts with one line: mountCourseView(app, deps).
 *
 *   /course/                    the app. Launched by an EHR (EHR launch: ?iss=<FHIR base>&launch=<id>),
 *                               back from the authorization server (?code&state), or, opened without
 *                               launch parameters, a page that explains how it is launched and offers
 *                               the demonstration launch. An iss the service's clients may not use: 400.
 *   /course/demo                the demonstration launch: plays the EHR's part against a FHIR server the
 *                               service's clients are allowed to use (no authorization server: an open server)
 *   /course/assets/<file>       its script (with fhirclient) and styles
 *   /course/api/settings        GET: the app's SMART client id and scopes, the demonstration FHIR server
 *   /course/api/fhir-server     GET ?url=: whether the course view may read from that FHIR server
 *   /course/api/picture         POST: the course picture from the resources read (server/course/picture-api.ts)
 */
import express, { type Express, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import { ConfigError } from '../../lib/config-error.js';
import type { ServiceCatalog } from '../../use-cases/service-catalog.js';
import type { Store } from '../../store/store.js';
import { courseAsset, coursePageShell } from './course-assets.js';
import { courseFhirSources, isCourseFhirServer } from './course-fhir-servers.js';
import { pictureRouter } from './picture-api.js';

export const COURSE_BASE = '/course';
/** What the app asks the EHR for: launch context, the patient, and read access to the patient's record. */
export const COURSE_SCOPES = 'launch launch/patient openid fhirUser patient/Patient.read patient/MedicationAdministration.read patient/MedicationRequest.read patient/Medication.read patient/Procedure.read patient/Observation.read patient/Condition.read';

export interface CourseMountDeps {
  config: Config;
  catalog: ServiceCatalog;
  store: Store;
  clock: () => Date;
}

/** Strict CSP: scripts, styles and images from this origin only; the browser may talk to the allowed FHIR and authorization servers. */
export function courseSecurityHeaders(config: Config): Record<string, string> {
  const connect = ["'self'", ...courseFhirSources(config), ...config.courseAuthServers];
  const ancestors = config.courseFrameAncestors.length > 0 ? config.courseFrameAncestors.join(' ') : "'none'";
  const headers: Record<string, string> = {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src ${[...new Set(connect)].join(' ')}`,
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      `frame-ancestors ${ancestors}`,
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
  if (config.courseFrameAncestors.length === 0) headers['X-Frame-Options'] = 'DENY';
  return headers;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function courseRouter(deps: CourseMountDeps): express.Router {
  const router = express.Router();
  const headers = courseSecurityHeaders(deps.config);
  const shell = (req: Request, res: Response): void => {
    const iss = req.query.iss;
    if (iss !== undefined && (typeof iss !== 'string' || !isCourseFhirServer(iss, deps.config))) {
      const page =
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Launch refused</title><link rel="stylesheet" href="/course/assets/course.css"></head>' +
        `<body><main class="page"><h1>Launch refused</h1><p>The FHIR server <code>${escapeHtml(String(iss))}</code> is not one this service's clients may use, so the course view does not read from it.</p>` +
        '<p>Ask the service administrator to add it to a client\'s <code>fhirServers</code> (CDS_CLIENTS) or to OPEN_MODE_FHIR_SERVERS.</p></main></body></html>';
      res.status(400).set(headers).type('text/html; charset=utf-8').send(page);
      return;
    }
    const page = coursePageShell();
    res.set(headers).type(page.contentType).send(page.body);
  };
  router.get('/', shell);
  router.get('/demo', shell);
  router.get('/assets/:name', async (req, res, next) => {
    const asset = await courseAsset(req.params.name);
    if (asset === undefined) return next();
    res.set(headers).type(asset.contentType).send(asset.body);
  });
  router.get('/api/settings', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({
      clientId: deps.config.courseClientId,
      scope: COURSE_SCOPES,
      demoFhirServer: deps.config.courseDemoFhirServer ?? null,
    });
  });
  router.get('/api/fhir-server', (req, res) => {
    const url = req.query.url;
    res.set('Cache-Control', 'no-store').json({ url: typeof url === 'string' ? url : null, allowed: typeof url === 'string' && isCourseFhirServer(url, deps.config) });
  });
  router.use(pictureRouter(deps));
  return router;
}

/** Throws ConfigError when COURSE_DEMO_FHIR_SERVER is not a FHIR server the service's clients may use. */
export function mountCourseView(app: Express, deps: CourseMountDeps): void {
  const demo = deps.config.courseDemoFhirServer;
  if (demo !== undefined && !isCourseFhirServer(demo, deps.config)) {
    throw new ConfigError(`COURSE_DEMO_FHIR_SERVER ${demo} is not a FHIR server the service's clients may use (a client's fhirServers, OPEN_MODE_FHIR_SERVERS, or loopback in open mode)`);
  }
  app.use(COURSE_BASE, courseRouter(deps));
}
