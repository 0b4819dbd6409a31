// The entry of the teacher's page (/class): its messages, as the server wrote them, to init().

import { init } from "../class-page/assignment-form.js";
import { readJson } from "../lib/dom.js";

init(readJson("messages"));
