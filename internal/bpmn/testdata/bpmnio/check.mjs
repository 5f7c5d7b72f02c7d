// Reads BPMN files as the bpmn.io modeler does (with bpmn-moddle) and
// prints, for each, the reader's warnings and which flow elements the
// diagram leaves out; exits 1 when any file has either, or does not read.
// Run by internal/bpmn's tests from where scripts/test installed it.
import { readFileSync } from "node:fs";
import { BpmnModdle } from "bpmn-moddle";

const moddle = new BpmnModdle();
let failed = false;
for (const file of process.argv.slice(2)) {
  try {
    const { rootElement, warnings } = await moddle.fromXML(readFileSync(file, "utf8"));
    const proc = rootElement.rootElements.find((e) => e.$type === "bpmn:Process");
    const plane = rootElement.diagrams[0].plane;
    const drawn = new Set(plane.planeElement.map((d) => d.bpmnElement && d.bpmnElement.id));
    const undrawn = proc.flowElements.filter((e) => !drawn.has(e.id)).map((e) => e.id);
    console.log(JSON.stringify({ file, warnings: warnings.map((w) => w.message), elements: proc.flowElements.length, undrawn }));
    if (warnings.length > 0 || undrawn.length > 0) failed = true;
  } catch (e) {
    console.log(JSON.stringify({ file, error: String(e) }));
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
