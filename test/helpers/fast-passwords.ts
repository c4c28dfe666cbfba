// The suite signs in hundreds of times; at scrypt's production cost (N=2^17, 128 MiB) each
// check takes seconds on a busy machine. Like a test configuration's fast hasher, the suite
// hashes and checks at N=2^14 (what opsgate used before). Tests of the production cost set it
// back (test/security/passwords.test.ts, test/http/session-hardening.test.ts).
import { setPasswordCostForTests } from '../../src/security/passwords.ts';

setPasswordCostForTests({ N: 2 ** 14, r: 8, p: 1 });
