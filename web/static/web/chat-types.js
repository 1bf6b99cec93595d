// @ts-check
// The shapes the chat page gets from the API (docs/api.md) and the socket
// (docs/realtime-protocol.md). Types only.

/**
 * @typedef {{id: number, name: string}} Person
 * @typedef {Person & {last_read_seq: number | null}} Member
 * @typedef {{
 *   id: number, kind: string, title: string, members: Member[], unread: number,
 *   last_read_seq: number, last_message_at: string | null
 * }} Conversation
 * @typedef {{
 *   id: number, conversation: number, sender: Person, client_id: string, html: string,
 *   created_at: string, edited_at: string | null, deleted: boolean, seq?: number, body?: string
 * }} Message
 * @typedef {{items: Message[], next_before: number | null}} HistoryPage
 * @typedef {{id: number, name: string, role: string}} Contact
 * @typedef {{
 *   customer: Person, professional: Person & {role: string}, since: string
 * }} CareRelation
 */

export {};
