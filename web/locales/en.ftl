# pollcast's poll page, English (the reference: every other file has the same messages).
-brand = pollcast
lang-name = English
page-title = { $question } · { -brand }
vote = Vote
you-voted = You voted
change-vote = Change my vote
your-choice = Your choice: { $choice }
thanks = Thanks, your vote is in.
sending = Sending…
choose-option = Choose an option first.
choose-score = Choose a score first.
choose-exactly = Choose { $min ->
    [one] one option
   *[other] { $min } options
}.
choose-between = Choose { $min } to { $max } options.
choose-up-to = Choose up to { $max ->
    [one] one option
   *[other] { $max } options
}.
ranked-hint = Put the options in order: the first is your favourite. Use the arrow buttons, or drag.
move-up = Move “{ $label }” up
move-down = Move “{ $label }” down
rank-position = Position { $position }
rating-hint = Rate from 1 to { $max }.
nps-hint = 0 means not at all likely, 10 extremely likely.
score-label = { $score ->
    [one] 1 star
   *[other] { $score } stars
} of { $max }
votes = { $count ->
    [one] { $count } vote
   *[other] { $count } votes
}
watching = { $count ->
    [one] { $count } person watching
   *[other] { $count } people watching
}
share = { $share }%
average = Average { $mean } of { $max }
runoff-winner = “{ $label }” wins after { $rounds ->
    [one] the first round
   *[other] { $rounds } rounds
} of instant runoff.
runoff-tie = A tie between { $labels }.
status-draft = Draft
status-scheduled = Scheduled
status-open = Open
status-closed = Closed
opens-at = Opens { $time }
live-connecting = Connecting…
live-on = Live
live-reconnecting = Reconnecting…
live-polling = Updating every few seconds
results-after-vote = Results appear after you vote.
results-after-close = Results appear when the poll closes.
results-private = The results are private.
results-heading = Results
error-already-voted = You have already voted in this poll.
error-poll-closed = This poll is closed.
error-poll-not-open = This poll is not open yet.
error-invalid-choice = That choice is not valid for this poll. Please choose again.
error-verified-only = This poll only takes votes from signed-in voters of the site that runs it.
error-busy = The server is busy and your vote was not stored. Please try again.
error-network = Network problem: your vote was not sent. Please try again.
error-rate-limited = Too many votes from your connection. Please wait a moment and try again.
verifying = Verifying your browser…
error-verification = Your browser could not be verified. Please try again.
error-form-limited = Too many votes without JavaScript on this poll right now. Turn on JavaScript, or try again in a minute.
front-title = pollcast: live polls you can embed anywhere
front-lead = This server runs pollcast. Site owners create a poll, paste one script tag, and visitors vote and watch the results move live.
front-docs = Embedding a poll
front-api = API reference (OpenAPI)
front-errors = Error codes
front-console = Your polls
front-create = Create a poll
front-signin = Sign in
front-embed = Embed a poll
front-setup = This install is not set up yet. To create its first account, open the one-time setup link pollcast printed when it started (the token is also in the file setup-token in its data directory), or run “pollcast user create”.
powered-by = Made with { -brand }
not-found = This poll does not exist, or is not public.
rounds-heading = Instant-runoff rounds
round-line = Round { $round }: { $tallies }
round-eliminated = out: { $labels }
open-text-hint = { $max ->
    [one] One answer
   *[other] Up to { $max } answers
}, { $length } characters each.
entry-label = Answer { $n }
send-answers = Send
you-answered = Thanks, your answers are in.
entries = { $count ->
    [one] 1 answer
   *[other] { $count } answers
}
entry-count = { $text }: { $count }
terms-heading = Most frequent answers
terms-empty = No answers to show yet.
write-entry = Write an answer first.
error-entry = Each answer needs a word or more, within the length limit, and no answer twice.
