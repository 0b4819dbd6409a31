// The entry of the run page (/runs/{id}): the run and the messages, as the server wrote them
// into the page, to init().

import { readJson } from "../lib/dom.js";
import { init } from "../run-page/run-page.js";

init(readJson("run-data"), readJson("messages"));
