// Prints the public API's export names, one per line, for test/api.test.ts's snapshot.
const api = await import('../src/index.ts');
console.log(Object.keys(api).sort().join('\n'));
