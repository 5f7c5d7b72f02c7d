// Package studio is procmine's web app: server-rendered html/template pages
// with one small hand-written ES module (web/static/app.js), embedded in
// the binary, with no JavaScript build step.
//
// The studio decides nothing of its own about who may see what. Every page
// asks the authorization layer (package authz) as the REST API does, reads
// its figures, maps and models through the report code (package report),
// with the same disclosure control for report readers, and answers errors
// through the API's error contract (package response), shown as a page.
// What the studio needs beyond those (sessions, the audit log, the privacy
// policy) it asks of the server through Backend. Pages change nothing
// themselves beyond creating a process and signing in and out: their forms
// and scripts call the REST API, so a change is checked once.
//
// Package api mounts the studio's routes (Studio.Routes) beside its own.
package studio
