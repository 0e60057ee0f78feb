// The commands that move an attachment's bytes outside JSON: the file goes
// to Rust as the request body, and comes back as an ArrayBuffer.
import { invoke } from "@tauri-apps/api/core";
import type { AttachmentView, ImportView } from "./bindings";
import { toCommandError } from "./call";

/** Adds `file` to a patient's chart; Rust checks its kind and size. */
export async function addAttachment(patientId: number, file: File, description: string): Promise<AttachmentView> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return await invoke<AttachmentView>("add_attachment", bytes, {
      headers: {
        "x-patient": String(patientId),
        "x-file-name": encodeURIComponent(file.name),
        "x-description": encodeURIComponent(description.trim()),
      },
    });
  } catch (e) {
    throw toCommandError(e);
  }
}

/** Imports patients from a CSV file: `check` writes nothing. */
export async function importPatients(file: File, mode: "check" | "all" | "skip-bad"): Promise<ImportView> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return await invoke<ImportView>("import_patients", bytes, { headers: { "x-mode": mode } });
  } catch (e) {
    throw toCommandError(e);
  }
}

/** An attachment's bytes (the opening is audited). */
export async function attachmentBytes(id: number): Promise<ArrayBuffer> {
  try {
    return await invoke<ArrayBuffer>("attachment_bytes", { args: { id } });
  } catch (e) {
    throw toCommandError(e);
  }
}
