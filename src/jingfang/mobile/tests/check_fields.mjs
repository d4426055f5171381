// Runs the phone's checkFields (static/mobile/form.js) over the cases given on stdin:
// {"form": definition, "today": "YYYY-MM-DD", "cases": [{"body": {...}, "params": {...}}]}.
import {readFileSync} from "node:fs";
import {checkFields} from "../static/mobile/form.js";

const input = JSON.parse(readFileSync(0, "utf-8"));
const out = input.cases.map((c) => checkFields(input.form, c.body, c.params, input.today));
process.stdout.write(JSON.stringify(out));
