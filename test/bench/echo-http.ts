/**
 * The limit for the webhook figures: a bare Node HTTP server that answers a JSON POST with what the
 * `automation` fixture's `echo` hook answers (the body, the query, the method, the user agent), on
 * 127.0.0.1 at a free port that it prints as the bot does. It stops when stdin ends.
 */
import http from "node:http";

const server = http.createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    body += chunk;
  });
  req.on("end", () => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const text = JSON.stringify({
      got: JSON.parse(body),
      query: Object.fromEntries(url.searchParams),
      method: req.method,
      agent: req.headers["user-agent"] ?? null,
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (typeof address === "object" && address)
    process.stdout.write(`http listening on 127.0.0.1:${address.port}\n`);
});
process.stdin.on("end", () => {
  server.close();
  server.closeAllConnections();
});
process.stdin.resume();
