package org.sparsescope.compute.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Python string methods chat templates call ({@code content.startswith('<tool')}, {@code .split('</think>')},
 * {@code .strip('\n')} …), which Jinjava would look for as Java methods and not find. Written by hand because they
 * are a handful of one-line rules; each means what Python's {@code str} method means. A dictionary's
 * {@code get(key, default)} too. Anything else falls through to Jinjava's own resolvers.
 */
final class PythonMethods extends ELResolver {
    private static final Set<String> METHODS = Set.of(
            "startswith", "endswith", "strip", "lstrip", "rstrip", "split", "upper", "lower", "replace", "title");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (base instanceof java.util.Map<?, ?> map && method != null && "get".equals(method.toString())) {
            Object[] p = params == null ? new Object[0] : params;
            if (p.length == 0 || p.length > 2) {
                return null;
            }
            context.setPropertyResolved(true);
            return map.containsKey(p[0]) ? map.get(p[0]) : p.length == 2 ? p[1] : null;
        }
        if (!(base instanceof CharSequence cs) || method == null || !METHODS.contains(method.toString())) {
            return null;
        }
        String s = cs.toString();
        Object[] p = params == null ? new Object[0] : params;
        Object result = switch (method.toString()) {
            case "startswith" -> anyOf(p, 0).stream().anyMatch(s::startsWith);
            case "endswith" -> anyOf(p, 0).stream().anyMatch(s::endsWith);
            case "strip" -> rstrip(lstrip(s, chars(p)), chars(p));
            case "lstrip" -> lstrip(s, chars(p));
            case "rstrip" -> rstrip(s, chars(p));
            case "split" -> split(s, p.length > 0 && p[0] != null ? p[0].toString() : null);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "replace" -> s.replace(String.valueOf(p[0]), String.valueOf(p[1]));
            case "title" -> title(s);
            default -> null;
        };
        context.setPropertyResolved(true);
        return result;
    }

    /** startswith/endswith take a string or a tuple (a list here) of strings. */
    private static List<String> anyOf(Object[] p, int i) {
        if (p.length <= i) {
            throw new IllegalArgumentException("startswith/endswith need an argument");
        }
        if (p[i] instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(p[i]));
    }

    /** Python's default: whitespace. */
    private static String chars(Object[] p) {
        return p.length > 0 && p[0] != null ? p[0].toString() : null;
    }

    private static boolean strips(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
    }

    private static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strips(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    private static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0 && strips(s.charAt(j - 1), chars)) {
            j--;
        }
        return s.substring(0, j);
    }

    /** With a separator, every piece (empty ones too); without, runs of whitespace split and ends are dropped. */
    private static List<String> split(String s, String sep) {
        if (sep == null) {
            String t = s.strip();
            return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int at; (at = s.indexOf(sep, from)) >= 0; from = at + sep.length()) {
            out.add(s.substring(from, at));
        }
        out.add(s.substring(from));
        return out;
    }

    private static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean start = true;
        for (char c : s.toCharArray()) {
            b.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
            start = !Character.isLetter(c);
        }
        return b.toString();
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
