import t from 'tap';
import { readBearerToken } from '../../src/auth/bearer.js';

t.test('reads a bearer token strictly', async (t) => {
  t.same(readBearerToken('Bearer abc.def.ghi'), { token: 'abc.def.ghi' });
  t.same(readBearerToken('bearer abc.def.ghi'), { token: 'abc.def.ghi' }, 'scheme is case-insensitive');
  t.same(readBearerToken('BEARER  abc.def.ghi'), { token: 'abc.def.ghi' });
  t.same(readBearerToken(undefined), { failure: 'missing_token' });
  t.same(readBearerToken(''), { failure: 'missing_token' });
  for (const bad of [
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'Bearerabc.def.ghi',
    'Bearer a b',
    'Bearer abc\tdef',
    'Token abc',
    'Bearer abc,def',
  ]) {
    t.same(readBearerToken(bad), { failure: 'invalid_scheme' }, JSON.stringify(bad));
  }
  t.same(readBearerToken(['Bearer a.b.c', 'Bearer d.e.f']), { failure: 'invalid_scheme' }, 'two headers');
});
