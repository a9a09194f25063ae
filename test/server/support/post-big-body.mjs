// Posts a 5 MB body with Node's fetch from its own process (in the test's process the server shares the event
// loop and reads as fast as the client writes, which hides a reset) and prints the answer, or the error, as JSON.
// Usage: node post-big-body.mjs URL CONTENT-TYPE length|stream|slow
const [url, type, how] = process.argv.slice(2);
const MB = 1024 * 1024;
let chunks = 0;
const slow = new ReadableStream({
  async pull(controller) {
    if (chunks === 2) await new Promise((ok) => setTimeout(ok, 150)); // over the limit: let the server answer first
    if (chunks++ === 5) return controller.close();
    controller.enqueue(new Uint8Array(MB).fill(97));
  },
});
const body = how === 'length' ? Buffer.alloc(5 * MB, 'a') : how === 'stream' ? new Blob([Buffer.alloc(5 * MB, 'a')]).stream() : slow;
try {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body, duplex: 'half' });
  console.log(JSON.stringify({ status: res.status, body: await res.json() }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e.cause?.code ?? e.message) }));
}
