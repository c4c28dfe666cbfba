// afterAll's cleanup. A beforeAll that failed part-way leaves the resources it had not reached yet
// unassigned, so here each may be undefined whatever its declared type (`let s: TestServer`):
// close the ones that exist, in order, and let the beforeAll's error be the one reported.
export async function closeAll(...resources: ({ close(): unknown } | null | undefined)[]): Promise<void> {
  for (const r of resources) await r?.close();
}
