// The entry of the teacher's live view of an assignment (/class/assignments/{id}): the
// assignment and the messages, as the server wrote them, to init().

import { init } from "../class-page/live-view.js";
import { readJson } from "../lib/dom.js";

init(readJson("live-data"), readJson("messages"));
