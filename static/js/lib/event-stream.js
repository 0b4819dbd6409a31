// Server-sent events read from a fetch() body. EventSource cannot send headers, and changing
// a run needs the owner token in one; fetch can, and its AbortController ends the stream.

/** Yield {event, data} for each event of a text/event-stream body (comments skipped). */
export async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = "message";
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // A "\r" at the end may be the first half of "\r\n": keep it for the next chunk.
    const complete = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
    const lines = buffer.slice(0, complete).split(/\r\n|\r|\n/);
    buffer = lines.pop() + buffer.slice(complete);
    for (const line of lines) {
      if (line === "") {
        if (data.length > 0) yield { event, data: data.join("\n") };
        event = "message";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue; // A comment: the server's keep-alive ping.
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = text;
      else if (field === "data") data.push(text);
    }
  }
}
