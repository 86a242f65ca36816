import assert from 'node:assert/strict';
import {
  PrefetchTemplateError,
  parseTemplateTokens,
  queryShape,
  renderPrefetchTemplate,
  validatePrefetchTemplates,
} from '../../cds-hooks/prefetch-template.js';

const context = {
  patientId: 'trd-adult',
  encounterId: 'enc-1',
  userId: 'Practitioner/doc-1',
  count: 3,
  flag: true,
  draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [] },
};

function render(template: string, ctx: Record<string, unknown> = context): string {
  const result = renderPrefetchTemplate('k', template, ctx);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.query;
}

describe('prefetch templates (CDS Hooks 2.0 tokens)', () => {
  it('renders {{context.<field>}} for root-level string, number and boolean fields', () => {
    assert.equal(render('Patient/{{context.patientId}}'), 'Patient/trd-adult');
    assert.equal(
      render('Encounter?_id={{context.encounterId}}&_count={{context.count}}&x={{context.flag}}'),
      'Encounter?_id=enc-1&_count=3&x=true',
    );
    assert.equal(render('Condition?patient={{ context.patientId }}'), 'Condition?patient=trd-adult');
  });

  it('renders each user token from context.userId, and only for the matching type', () => {
    assert.equal(render('Practitioner/{{userPractitionerId}}'), 'Practitioner/doc-1');
    const role = { ...context, userId: 'PractitionerRole/role-9' };
    assert.equal(render('PractitionerRole/{{userPractitionerRoleId}}', role), 'PractitionerRole/role-9');
    const patientUser = { ...context, userId: 'Patient/trd-adult' };
    assert.equal(render('Patient/{{userPatientId}}', patientUser), 'Patient/trd-adult');
    const related = { ...context, userId: 'RelatedPerson/rp-2' };
    assert.equal(render('RelatedPerson/{{userRelatedPersonId}}', related), 'RelatedPerson/rp-2');

    const wrongType = renderPrefetchTemplate('user', 'Practitioner/{{userPractitionerId}}', role);
    assert.equal(wrongType.ok, false);
    assert.match(wrongType.ok ? '' : wrongType.reason, /context\.userId is not a Practitioner/);
  });

  it('renders {{context.userId}} as a read of Type/id (the spec example "user")', () => {
    assert.equal(render('{{context.userId}}'), 'Practitioner/doc-1');
  });

  it('URL-encodes substituted values so they cannot add parameters or path segments', () => {
    const hostile = { ...context, patientId: 'a b&_include=*/../x?y#z', userId: 'Practitioner/doc 1' };
    assert.equal(
      render('Condition?patient={{context.patientId}}', hostile),
      'Condition?patient=a%20b%26_include%3D*%2F..%2Fx%3Fy%23z',
    );
    assert.equal(render('MedicationRequest?patient={{context.patientId}}', { patientId: 'Patient/1' }), 'MedicationRequest?patient=Patient%2F1');
    assert.equal(render('{{context.userId}}', hostile), 'Practitioner%2Fdoc%201');
    assert.equal(render('{{context.userId}}', { userId: 'Practitioner/..' }), 'Practitioner%2F..');
  });

  it('reports (does not throw) when a token has no value in this context', () => {
    const missing = renderPrefetchTemplate('enc', 'Encounter/{{context.encounterId}}', { patientId: 'p' });
    assert.deepEqual(missing, { ok: false, reason: 'token {{context.encounterId}} has no value: context.encounterId is absent' });
    const notPrimitive = renderPrefetchTemplate('x', 'Bundle?x={{context.draftOrders}}', context);
    assert.equal(notPrimitive.ok, false);
    const noUser = renderPrefetchTemplate('u', 'Practitioner/{{userPractitionerId}}', { patientId: 'p' });
    assert.equal(noUser.ok, false);
  });

  it('lists tokens by kind', () => {
    assert.deepEqual(parseTemplateTokens('k', 'Observation?patient={{context.patientId}}&performer={{userPractitionerId}}'), [
      { kind: 'context', field: 'patientId', text: '{{context.patientId}}' },
      { kind: 'user', name: 'userPractitionerId', text: '{{userPractitionerId}}' },
    ]);
  });

  const rejected: Array<[string, RegExp]> = [
    ['MedicationRequest?_id={{context.draftOrders.MedicationRequest.id}}', /not a CDS Hooks 2.0 prefetch token/],
    ['MedicationRequest?_id={{context.draftOrders.entry.resource.ofType(MedicationRequest).id}}', /not a CDS Hooks 2.0/],
    ['Observation?patient={{context.patientId}}&date=ge{{today() - 90 days}}', /\{\{today\(\) - 90 days\}\}/],
    ['Patient/{{Patient.id}}', /\{\{Patient\.id\}\}/],
    ['Patient/{{user.id}}', /not a CDS Hooks 2.0/],
    ['Patient/{{%patient.id}}', /not a CDS Hooks 2.0/],
    ['Patient/{{context.patientId}', /unbalanced/],
    ['', /non-empty string/],
    ['Patient/{{context.patientId}}/_history/1', /instance read .* or a type-level search/],
    ['/Patient/{{context.patientId}}', /instance read/],
    ['https://other.example/fhir/Patient/{{context.patientId}}', /instance read/],
  ];
  for (const [template, message] of rejected) {
    it(`rejects the template ${JSON.stringify(template)}`, () => {
      assert.throws(
        () => validatePrefetchTemplates({ bad: template }),
        (error: unknown) =>
          error instanceof PrefetchTemplateError && error.key === 'bad' && message.test(error.message) &&
          error.message.startsWith('Prefetch template "bad":'),
      );
    });
  }

  it('accepts the spec and checklist templates', () => {
    validatePrefetchTemplates({
      patient: 'Patient/{{context.patientId}}',
      hemoglobin: 'Observation?patient={{context.patientId}}&code=4548-4&_count=1&sort:desc=date',
      user: '{{context.userId}}',
      practitioner: 'Practitioner/{{userPractitionerId}}',
      meds: 'MedicationRequest?patient={{context.patientId}}&status=active',
      all: 'Condition',
    });
  });

  it('classifies rendered queries as read or search', () => {
    assert.deepEqual(queryShape('Patient/p1'), { kind: 'read', resourceType: 'Patient', id: 'p1' });
    assert.deepEqual(queryShape('Condition?patient=p1'), { kind: 'search', resourceType: 'Condition', includesOtherTypes: false });
    assert.deepEqual(queryShape('MedicationRequest?patient=p1&_include=MedicationRequest:medication'), {
      kind: 'search',
      resourceType: 'MedicationRequest',
      includesOtherTypes: true,
    });
    assert.equal(queryShape('Patient/a%20b'), undefined);
  });
});
