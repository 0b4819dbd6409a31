// The run page's chart colours, Okabe–Ito: distinguishable with the common forms of colour
// blindness. (The compare page's run colours are the stylesheet's --run-1 … --run-8.)

export const COLORS = {
  points: "#0072B2",
  predictions: "#D55E00",
  line: "#009E73",
  answer: "#7f7f7f",
  loss: "#0072B2",
  residuals: "#CC79A7",
  marker: "#D55E00",
  guess: "#E69F00", // The lesson's guessed line.
};
