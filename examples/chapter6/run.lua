-- Nielsen's chapter 6 ("Deep learning"), step by step, on Fashion-MNIST:
-- each description in this directory trained with its own train{} (the
-- epochs are chosen so that the whole table runs in a few minutes on two
-- cores; Nielsen trained 40 to 60 epochs), then an ensemble of five
-- dropout nets voting.  Progress is one line per epoch; the table at the
-- end gives test accuracy, epochs, training seconds and samples/s, beside
-- Nielsen's MNIST figure for the same step.
--   make chapter6        (or: cnngen run examples/chapter6/run.lua)
local data = cnngen.data("fashion-mnist")

local rows = {
  { file = "shallow.lua",  what = "shallow: 100 sigmoid units",      nielsen = "97.80", threads = 1 },
  { file = "conv1.lua",    what = "+ conv-pool 20@5x5",              nielsen = "98.78", threads = 1 },
  { file = "conv2.lua",    what = "+ conv-pool 40@5x5",              nielsen = "99.06", threads = 2 },
  { file = "relu.lua",     what = "relu, eta 0.03, l2 0.1",          nielsen = "99.23", threads = 2 },
  { file = "expanded.lua", what = "+ expanded data (x5)",            nielsen = "99.37", threads = 2 },
  { file = "fc2.lua",      what = "+ second dense 100",              nielsen = "99.43", threads = 2 },
  { file = "dropout.lua",  what = "dense 1000+1000, dropout 0.5",    nielsen = "99.60", threads = 2 },
}

-- train one net with its description's train{} (and `seed`), return its
-- model and its row of the table
local function run(file, threads, seed)
  local m = cnngen.compile(cnngen.network(file), { backend = "cc" })
  local acc = m:train(data, { threads = threads, seed = seed })
  local secs, samples, h = 0, 0, m:history()
  for _, e in ipairs(h) do
    secs = secs + e.seconds
    samples = samples + e.seconds * e.samples_per_s
  end
  return m, { acc = acc, epochs = #h, secs = secs, rate = samples / secs }
end

local results, dropout_net = {}, nil
for _, row in ipairs(rows) do
  print(string.format("== %s (%s)", row.what, row.file))
  local m, r = run(row.file, row.threads)
  r.what, r.nielsen = row.what, row.nielsen
  results[#results + 1] = r
  if row.file == "dropout.lua" then dropout_net = m end
end

-- Nielsen's last step: five nets of the dropout step (seeds 1 to 5; the
-- first is the one above) vote, each for its most likely class
print("== an ensemble of five dropout nets (dropout.lua, seeds 1 to 5)")
local members, secs, samples = { dropout_net }, 0, 0
for seed = 2, 5 do
  local m, r = run("dropout.lua", 2, seed)
  members[#members + 1] = m
  secs, samples = secs + r.secs, samples + r.secs * r.rate
end
local vote = cnngen.vote(members, data)
local last = results[#results]
secs, samples = secs + last.secs, samples + last.secs * last.rate
results[#results + 1] = { what = "5 dropout nets voting", nielsen = "99.67", acc = vote,
                          epochs = last.epochs, secs = secs, rate = samples / secs }

print("")
print("Nielsen's chapter 6 on Fashion-MNIST (Nielsen's figures: MNIST, 40-60 epochs)")
print(string.format("%-30s %9s %7s %9s %10s %9s", "step", "accuracy", "epochs", "seconds", "samples/s",
                    "Nielsen"))
local total = -last.secs          -- the ensemble's row counts the dropout row's net again
for _, r in ipairs(results) do
  total = total + r.secs
  print(string.format("%-30s %8.2f%% %7d %9.1f %10.0f %8s%%", r.what, 100 * r.acc, r.epochs, r.secs,
                      r.rate, r.nielsen))
end
print(string.format("training time in all: %.0f s (the ensemble's row counts its five nets, the first of them the row above)",
                    total))
