package org.sparsescope.compute.autointerp;

/**
 * A model's answer that does not hold what was asked (no explanation line, no list, a list of the wrong length): a
 * failed item, recorded with the answer, never a crash.
 */
public class AnswerFormatException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String answer;

    public AnswerFormatException(String problem, String answer) {
        super(problem);
        this.answer = answer;
    }

    /** The model's text as it came, for the user to read. */
    public String answer() {
        return answer;
    }
}
