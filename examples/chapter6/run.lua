-- Nielsen's chapter 6 ("Deep learning"), step by step, on Fashion-MNIST:
-- each description in this directory trained with its own train{} (the
-- epochs are chosen so that the whole table runs in a few minutes on two
-- cores; Nielsen trained 40 to 60 epochs), then an ensemble of five
-- dropout nets voting; last, fast.lua, the net and schedule that reach
-- 91% soonest (time to accuracy).  Progress is one line per epoch; the
-- table at the end gives test accuracy, epochs, threads, the wall-clock
-- seconds of training and samples/s, beside Nielsen's MNIST figure for
-- the same step.
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
-- time to accuracy: fast.lua's train{} for its first stage, then eta / 10
local fast = { file = "fast.lua", what = "fast: momentum, eta / 10 at end", nielsen = "-", threads = 2,
               schedule = { { epochs = 8, eta = 0.04 }, { epochs = 3, eta = 0.004 } } }

-- train one net with its description's train{} (and `seed`), return its
-- model and its row of the table.  With a schedule, one model:train a
-- stage, each with its epochs and eta, the velocity at rest at its start,
-- its shuffles from seed 100 * seed + stage (the description's train{}
-- gives the rest)
local function run(file, threads, seed, schedule)
  local m = cnngen.compile(cnngen.network(file), { backend = "cc" })
  local acc
  if schedule then
    for k, s in ipairs(schedule) do
      acc = m:train(data, { threads = threads, epochs = s.epochs, eta = s.eta, seed = 100 * (seed or 1) + k })
    end
  else
    acc = m:train(data, { threads = threads, seed = seed })
  end
  local secs, samples, h = 0, 0, m:history()
  for _, e in ipairs(h) do
    secs = secs + e.seconds
    samples = samples + e.seconds * e.samples_per_s
  end
  return m, { acc = acc, epochs = #h, threads = threads, secs = secs, rate = samples / secs }
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
                          epochs = last.epochs, threads = 2, secs = secs, rate = samples / secs }

print(string.format("== %s (%s)", fast.what, fast.file))
local _, quick = run(fast.file, fast.threads, nil, fast.schedule)
quick.what, quick.nielsen = fast.what, fast.nielsen

print("")
print("Nielsen's chapter 6 on Fashion-MNIST (Nielsen's figures: MNIST, 40-60 epochs)")
print(string.format("%-32s %9s %7s %7s %9s %10s %9s", "step", "accuracy", "epochs", "threads", "wall s",
                    "samples/s", "Nielsen"))
local function line(r)
  print(string.format("%-32s %8.2f%% %7d %7d %9.1f %10.0f %9s", r.what, 100 * r.acc, r.epochs, r.threads, r.secs,
                      r.rate, r.nielsen == "-" and "-" or r.nielsen .. "%"))
end
local total = -last.secs          -- the ensemble's row counts the dropout row's net again
for _, r in ipairs(results) do
  total = total + r.secs
  line(r)
end
line(quick)
total = total + quick.secs
print(string.format("training time in all: %.0f s (the ensemble's row counts its five nets, the first of them the row above)",
                    total))
print(string.format("time to accuracy: %s reaches %.2f%% in %.1f s of training on %d threads", fast.file,
                    100 * quick.acc, quick.secs, quick.threads))
