// The entry of the compare page (/compare): its data and messages, as the server wrote them
// into the page, to init().

import { init } from "../compare-page/compare-page.js";
import { readJson } from "../lib/dom.js";

init(readJson("compare-data"), readJson("messages"));
