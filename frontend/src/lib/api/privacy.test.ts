import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { ambiguousMatches, auditQuery, personQuery, tracingFileUrl, tracingQuery } from './privacy';

describe('tracing query', () => {
  it('names a visit or an appointment by id alone', () => {
    expect(tracingQuery({ visit: ' v-1 ' })).toBe('?visit=v-1');
    expect(tracingQuery({ appointment: 'a 2' })).toBe('?appointment=a+2');
  });
  it('searches a name on a day in a building', () => {
    expect(tracingQuery({ name: ' Erika Muster ', day: '2026-12-05', building: 'rathaus-1' })).toBe(
      '?name=Erika+Muster&day=2026-12-05&building=rathaus-1',
    );
  });
  it('gives the PDF and CSV the same query', () => {
    expect(tracingFileUrl({ visit: 'v1' }, 'pdf')).toBe('/api/contact-tracing.pdf?visit=v1');
    expect(tracingFileUrl({ visit: 'v1' }, 'csv')).toBe('/api/contact-tracing.csv?visit=v1');
  });
});

describe('person query', () => {
  it('leaves out empty fields and trims', () => {
    expect(personQuery({ name: ' Anna ', birth_date: '', email: ' a@b.de', phone: undefined })).toBe('?name=Anna&email=a%40b.de');
    expect(personQuery({})).toBe('');
  });
});

describe('audit query', () => {
  it('sends only what is set', () => {
    expect(auditQuery({ from: '2026-12-01', to: '2026-12-05', user: ' datenschutz ', entity: '' })).toBe(
      '?from=2026-12-01&to=2026-12-05&user=datenschutz',
    );
  });
});

describe('ambiguous tracing answer', () => {
  const match = { kind: 'visit', id: 'v1', name: 'Max Muster' };
  it('lists the matches of a 409 ambiguous', () => {
    const err = new ApiError(409, 'ambiguous', 'name', 'mehrere', { matches: [match] });
    expect(ambiguousMatches(err)).toEqual([match]);
  });
  it('is empty for any other error', () => {
    expect(ambiguousMatches(new ApiError(404, 'not_found', 'name', 'niemand'))).toEqual([]);
    expect(ambiguousMatches(new ApiError(409, 'ambiguous', 'name', 'x'))).toEqual([]);
    expect(ambiguousMatches(new Error('x'))).toEqual([]);
  });
});
