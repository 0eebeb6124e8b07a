import http from "node:http";

/**
 * POSTs JSON and reads the JSON answer, over kept-alive connections: the bench's webhook client. Node's
 * `fetch` (undici) spends more CPU per request than the bot does answering it, and on a 2-core machine
 * 16 of them at a time measure mostly the client.
 */
export function jsonPoster(maxSockets: number): {
  post(url: string, body: unknown): Promise<{ status: number; body: unknown }>;
  close(): void;
} {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    post: (url, body) =>
      new Promise((resolve, reject) => {
        const text = JSON.stringify(body);
        const req = http.request(
          url,
          {
            method: "POST",
            agent,
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
          },
          (res) => {
            let answer = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              answer += chunk;
            });
            res.on("end", () => {
              try {
                resolve({ status: res.statusCode ?? 0, body: JSON.parse(answer) });
              } catch (err) {
                reject(err);
              }
            });
          },
        );
        req.on("error", reject);
        req.end(text);
      }),
    close: () => agent.destroy(),
  };
}
