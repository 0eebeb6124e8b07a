import assert from "node:assert/strict";
import { firstError, schemaAjv } from "../../src/plugins/json-schema.js";

describe("describeSchemaError", () => {
  const schema = {
    type: "object",
    properties: {
      url: { type: "string" },
      jobs: {
        type: "object",
        additionalProperties: false,
        required: ["pattern"],
        properties: { pattern: { type: "string" }, room: { type: "string" } },
      },
    },
  };
  const errorOf = (value: unknown) => {
    const validate = schemaAjv().compile(schema);
    assert.equal(validate(value), false);
    return firstError(validate);
  };

  it("names a top-level field as it is", () => {
    assert.equal(errorOf({ url: 3 }), "url: must be string");
  });

  it("names a nested field by its full path, for unknown and missing fields too", () => {
    assert.equal(errorOf({ jobs: { pattern: "x", rom: "#ops" } }), "jobs.rom: is not a known field");
    assert.equal(errorOf({ jobs: { room: "#ops" } }), "jobs.pattern: is required");
    assert.equal(errorOf({ jobs: { pattern: 1 } }), "jobs.pattern: must be string");
  });
});
