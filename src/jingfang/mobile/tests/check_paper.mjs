// Runs the phone's paper-code checks (static/mobile/paper.js) over the strings given on stdin (a JSON
// list): for each, [normalize, problem, fromScan].
import {readFileSync} from "node:fs";
import {fromScan, normalize, problem} from "../static/mobile/paper.js";

const input = JSON.parse(readFileSync(0, "utf-8"));
process.stdout.write(JSON.stringify(input.map((t) => [normalize(t), problem(t), fromScan(t)])));
